import { lstat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { ProvisionedResource, ResourceKey, ResourceType, ScoreResource } from '../model/types.js';

/**
 * A resource type's provisioner (docs/score.md, "Resources"). Both operations are idempotent: provisioning the
 * same key twice gives the same outputs (and repairs what is missing), deprovisioning twice is fine, so the
 * engine can simply run them again after a crash.
 */
export interface Provisioner {
  readonly type: ResourceType;
  /**
   * Why this provisioner cannot work in this configuration (redis without a Redis URL), or undefined. The engine
   * checks it for every resource of a workload before it provisions any, so nothing changes on a doomed deploy.
   */
  readonly unavailable?: string;
  provision(key: ResourceKey, res: ScoreResource): Promise<ProvisionedResource>;
  deprovision(key: ResourceKey): Promise<void>;
}

export interface ProvisionerOptions {
  /** The platform's workspace (`.gantry/`): SQLite files, volumes and the Redis allocations live under it. */
  workspaceDir: string;
  /** Derives the PostgreSQL passwords (HMAC-SHA256), so no password has to be stored. At least 32 bytes. */
  secretKey: Buffer;
  /** A PostgreSQL server on which Gantry may create roles and databases; without it postgres is a SQLite file. */
  postgresUrl?: string;
  /** A Redis server whose databases 1-15 Gantry hands out; without it redis resources cannot be provisioned. */
  redisUrl?: string;
  /** The local router's port: routes are `http://<component>.<env>.<routerHost>:<routerPort>`. */
  routerPort?: number;
  /** The domain routes are under; default `localhost` (which browsers resolve to loopback). */
  routerHost?: string;
}

/** A name that may be one folder or file name under the workspace: no separators, no `.`/`..`, no hidden files. */
const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * `<root>/<env>/<component>/<name><suffix>` for a resource key, refusing any key part that could leave the folder
 * (`../x`, `a/b`) or that is not a plain name.
 */
export function keyPath(root: string, key: ResourceKey, suffix = ''): string {
  const parts: Array<[string, string]> = [
    ['environment', key.environment],
    ['component', key.component],
    ['resource name', key.name],
  ];
  for (const [what, value] of parts) {
    if (!PATH_SEGMENT.test(value)) {
      throw new InputError(
        `expected a ${what} of letters, digits, ., _ and - (not starting with .), found ${JSON.stringify(value)}`,
        { details: { key } },
      );
    }
  }
  const path = resolve(root, key.environment, key.component, `${key.name}${suffix}`);
  const rel = relative(resolve(root), path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new InputError(`${path} is outside ${root}`);
  return path;
}

/**
 * Refuses a path whose existing folders (from `root` down) include a symbolic link: a link planted in the workspace
 * must not make Gantry create or delete files elsewhere.
 */
export async function assertNoSymlinks(root: string, path: string): Promise<void> {
  const rel = relative(root, path);
  let cur = root;
  for (const seg of rel.split(/[\\/]/)) {
    cur = join(cur, seg);
    const st = await lstat(cur).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (!st) return;
    if (st.isSymbolicLink()) throw new InputError(`${cur} is a symbolic link; refusing to follow it out of the workspace`);
  }
}
