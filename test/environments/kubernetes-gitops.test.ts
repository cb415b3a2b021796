import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { gitopsLayout, validateLayout } from '../../src/environments/drivers/kubernetes/index.js';
import { DB_PASSWORD, billingWorker, environment, ordersApi } from '../../src/environments/drivers/kubernetes/testFixtures.js';

/**
 * The layout in a real git repository, as the environment repository holds it: rewriting an environment with one
 * new release changes only that component's files, and kustomize (built into kubectl) builds what Argo CD and Flux
 * would apply.
 */

let repo: string;
const env = environment();

function git(args: string[]) {
  return execa('git', args, {
    cwd: repo,
    stdin: 'ignore',
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(repo, '..', 'home'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Gantry',
      GIT_AUTHOR_EMAIL: 'gantry@example.com',
      GIT_COMMITTER_NAME: 'Gantry',
      GIT_COMMITTER_EMAIL: 'gantry@example.com',
    },
  });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(repo, join(e.parentPath, e.name)));
}

/** Replaces the environment's folder with the layout, the way the environment repository is updated. */
async function writeEnvironment(files: Map<string, string>): Promise<void> {
  await rm(join(repo, env.name), { recursive: true, force: true });
  for (const [path, text] of files) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), text);
  }
}

async function changed(): Promise<string[]> {
  const { stdout } = await git(['status', '--porcelain', '--untracked-files=all']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim())
    .sort();
}

async function commit(message: string): Promise<void> {
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', message]);
}

beforeAll(async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'gantry-k8s-'));
  repo = join(tmp, 'environments');
  await mkdir(join(tmp, 'home'), { recursive: true });
  await mkdir(repo);
  await git(['init', '-q', '-b', 'main']);
  await writeEnvironment(gitopsLayout(env, [ordersApi(), billingWorker()]));
  await commit('deploy orders-api and billing-worker to production');
});

afterAll(async () => {
  if (repo) await rm(dirname(repo), { recursive: true, force: true });
});

describe('the kubernetes layout in the environment repository', () => {
  it('is unchanged by a re-render of the same releases', async () => {
    await writeEnvironment(gitopsLayout(env, [billingWorker(), ordersApi()]));
    expect(await changed()).toEqual([]);
  });

  it('changes only the files of the component that got a new release, and only the lines that say so', async () => {
    const before = ordersApi();
    const next = ordersApi({ releaseId: '9a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d', sha: 'e'.repeat(40) });
    await writeEnvironment(gitopsLayout(env, [next, billingWorker()]));
    expect(await changed()).toEqual([
      'M production/orders-api/deployment.yaml',
      'M production/orders-api/kustomization.yaml',
      'M production/orders-api/networkpolicy.yaml',
      'M production/orders-api/service.yaml',
      'M production/orders-api/serviceaccount.yaml',
    ]);
    const { stdout } = await git(['diff', '-U0', '--', 'production/orders-api/deployment.yaml']);
    const removed = stdout.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
    expect(removed.length).toBeGreaterThan(0);
    for (const line of removed) expect(line.includes(before.sha) || line.includes(before.releaseId), line).toBe(true);
    await commit('deploy orders-api 9a7b6c5d');
  });

  it('removes a component\'s folder and its entry when it leaves the environment', async () => {
    const next = ordersApi({ releaseId: '9a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d', sha: 'e'.repeat(40) });
    await writeEnvironment(gitopsLayout(env, [next]));
    expect(await changed()).toEqual([
      'D production/billing-worker/deployment.yaml',
      'D production/billing-worker/kustomization.yaml',
      'D production/billing-worker/networkpolicy.yaml',
      'D production/billing-worker/serviceaccount.yaml',
      'M production/kustomization.yaml',
      // The quota is sized by the number of components.
      'M production/resourcequota.yaml',
    ]);
    await commit('remove billing-worker from production');
    const files = new Map<string, string>();
    for (const path of await listFiles(join(repo, env.name))) {
      const { stdout } = await git(['show', `HEAD:${path}`]);
      files.set(path, `${stdout}\n`);
    }
    expect(validateLayout(files)).toEqual([]);
  });
});

// kustomize is built into kubectl; it runs offline. Skipped only where kubectl is not installed.
const kubectl = await execa('kubectl', ['version', '--client'], { reject: false }).then((r) => r.exitCode === 0).catch(() => false);

describe.skipIf(!kubectl)('kustomize build (kubectl kustomize)', () => {
  it('builds the environment into the objects Argo CD or Flux would apply, all in its namespace, with no secret', async () => {
    await writeEnvironment(gitopsLayout(env, [ordersApi(), billingWorker()]));
    const { stdout } = await execa('kubectl', ['kustomize', join(repo, env.name)], { stdin: 'ignore' });
    const docs = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      'Deployment/billing-worker',
      'Deployment/orders-api',
      'LimitRange/gantry-limits',
      'Namespace/acme-production',
      'NetworkPolicy/billing-worker',
      'NetworkPolicy/orders-api',
      'ResourceQuota/gantry-quota',
      'Service/orders-api',
      'ServiceAccount/billing-worker',
      'ServiceAccount/orders-api',
    ]);
    for (const d of docs) if (d.kind !== 'Namespace') expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe('acme-production');
    expect(stdout).not.toContain(DB_PASSWORD);
  });
});
