import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/authorize.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { DATABASES, dropSchema } from '../helpers/databases.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'templates');
const ADMIN: Principal = { userRef: 'user:default/admin', role: 'admin', teams: [] };
const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
`;

/**
 * A task whose process died after some steps resumes after its last finished step: the finished steps are not
 * run again (their outputs are read back from the task), the workspace they left is used, and the result is whole.
 */
describe.each(DATABASES)('scaffolder task resume on $name', (database) => {
  let platform: Platform;
  let dir: string;
  let dbOptions: { databaseUrl?: string; pgSchema?: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-resume-'));
    dbOptions = database.options();
    // No worker: the test plays the worker, so it decides when a run "dies".
    platform = await startPlatform({ workspaceDir: dir, port: 0, seedSample: false, builtInTemplates: false, worker: false, quiet: true, ...dbOptions });
    await platform.catalog.registerEntities(ADMIN, { yaml: ORG, file: 'org.yaml' });
    await platform.catalog.addLocation(ADMIN, { target: `${FIXTURES}#hello/template.yaml`, type: 'dir' });
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
    if (dbOptions?.pgSchema) await dropSchema(dbOptions.pgSchema);
  });

  it('skips the steps that finished before the crash and completes the rest', async () => {
    const s = platform.scaffolder;
    const parameters = { name: 'resumed-api', description: 'Resumes', owner: 'group:default/team-a' };
    const task = await s.createTask(ADMIN, 'hello', parameters);
    expect(task.status).toBe('queued');

    // What the first attempt left behind: two finished steps, their files in the task workspace, and the task
    // marked running (the process died before the third step).
    const dry = await s.dryRun(ADMIN, 'hello', parameters);
    const work = join(dir, 'cache', 'tasks', task.id, 'work');
    for (const f of dry.files) {
      if (f.path === 'catalog-info.yaml') continue; // stamped later by publish; write the unstamped one
      await mkdir(dirname(join(work, f.path)), { recursive: true });
      await writeFile(join(work, f.path), f.content ?? '');
    }
    await writeFile(join(work, 'catalog-info.yaml'), `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: resumed-api, description: Resumes }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`);
    const steps = task.steps.map((st, i) =>
      i < 2 ? { ...st, status: 'succeeded' as const, startedAt: task.createdAt, finishedAt: task.createdAt, output: dry.steps[i]!.output } : st,
    );
    await platform.store.db
      .withTables<{ scaffolder_tasks: { id: string; steps: string; status: string; started_at: string | null } }>()
      .updateTable('scaffolder_tasks')
      .set({ steps: JSON.stringify(steps), status: 'running', started_at: task.createdAt })
      .where('id', '=', task.id)
      .execute();

    const [job] = await platform.store.queue.claim('test-worker', { types: ['scaffolder.run-task'], leaseMs: 60_000 });
    expect(job).toBeDefined();
    const controller = new AbortController();
    const result = await s.runTaskJob(job!, { signal: controller.signal, workerId: 'test-worker', attempt: 2, log: () => {} });
    expect(result).toEqual({ status: 'succeeded' });

    const done = await s.getTask(task.id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((st) => st.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'skipped']);
    const log = (await s.taskLogs(task.id)).map((l) => l.message);
    expect(log[0]).toBe('resumed (attempt 2) after its last finished step');
    // The render step did not run again, but its output was there for the next step's expression.
    expect(log.some((m) => m.startsWith('rendered') && m.includes('from ./skeleton'))).toBe(false);
    expect(log).toContain(`rendered ${dry.files.length} files for resumed-api`);
    const entity = await platform.catalog.getEntity('component:default/resumed-api');
    expect(entity.entity.metadata.annotations?.['gantry.dev/template']).toBe('hello@1.2.0');
    expect((await platform.repos.get('resumed-api')).owner).toBe('group:default/team-a');
  });

  it('a worker that stops mid-task leaves the task to be resumed, not failed', async () => {
    const s = platform.scaffolder;
    const task = await s.createTask(ADMIN, 'hello', { name: 'stopped-api', description: 'Stops', owner: 'group:default/team-a' });
    const [job] = await platform.store.queue.claim('test-worker', { types: ['scaffolder.run-task'], leaseMs: 60_000 });
    const controller = new AbortController();
    controller.abort(new Error('the worker is stopping'));
    await expect(s.runTaskJob(job!, { signal: controller.signal, workerId: 'test-worker', attempt: 1, log: () => {} })).rejects.toThrow(/stopping/);
    const after = await s.getTask(task.id);
    expect(after.status).toBe('running');
    expect(after.steps[0]!.status).toBe('cancelled');
    // The next attempt finishes it.
    const again = await s.runTaskJob(job!, { signal: new AbortController().signal, workerId: 'test-worker', attempt: 2, log: () => {} });
    expect(again).toEqual({ status: 'succeeded' });
    expect((await s.getTask(task.id)).status).toBe('succeeded');
  });
});
