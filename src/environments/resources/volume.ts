import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProvisionedResource } from '../model/types.js';
import { assertNoSymlinks, keyPath, type Provisioner } from './provisioner.js';

/**
 * volume resources (docs/score.md): a folder `<workspace>/volumes/<env>/<component>/<name>/` that outlives
 * releases of the workload and is deleted with the resource. Key parts are plain names and no symbolic link is
 * followed, so a volume is always inside the workspace.
 */
export function volumeProvisioner(opts: { workspaceDir: string }): Provisioner {
  const root = join(opts.workspaceDir, 'volumes');
  return {
    type: 'volume',

    async provision(key): Promise<ProvisionedResource> {
      const path = keyPath(root, key);
      await assertNoSymlinks(root, path);
      await mkdir(path, { recursive: true });
      return { type: 'volume', outputs: { path }, secretOutputs: [] };
    },

    async deprovision(key) {
      const path = keyPath(root, key);
      await assertNoSymlinks(root, path);
      await rm(path, { recursive: true, force: true });
    },
  };
}
