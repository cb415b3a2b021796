/**
 * The golden-path commands (`gantry template`, `gantry create`, `gantry task`) as child processes against a
 * real platform (SQLite workspace, random port) with the scaffolder's test template and a real git server.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, execaSync } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coerceValue } from '../../src/cli/commands/create.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import { BIN, cleanEnv, gantry, type RunOptions } from './runCli.js';

const FIXTURES = join(import.meta.dirname, '..', 'golden-paths', 'fixtures', 'templates');

// The owner group of the fixture template and its descriptors (as in scaffolder.contract.test.ts).
const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
`;

// A template whose second step waits on a git server that accepts the connection and never answers: a task
// that stays running as long as the test holds that connection.
const SLOW = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: slow
  title: Slow
  description: Waits on a git server that does not answer
spec:
  owner: group:default/team-a
  type: service
  parameters:
    - required: [url]
      properties:
        url: { type: string }
  steps:
    - id: fetch
      name: Render the skeleton
      action: fetch:template
      input: { url: ./skeleton, values: {} }
    - id: wait
      name: Register from a server that holds the line
      action: catalog:register
      input:
        catalogInfoUrl: \${{ parameters.url }}
        owner: group:default/team-a
`;

const SLOW_DESCRIPTOR = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: slow-thing }
spec: { type: service, lifecycle: experimental, owner: group:default/team-a }
`;

interface Task {
  id: string;
  status: string;
  parameters: Record<string, unknown>;
  steps: Array<{ id: string; status: string }>;
}

let platform: Platform;
let root: string;
let admin: RunOptions;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const headers: Record<string, string> = { authorization: `Bearer ${platform.adminToken}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(platform.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const json = <T>(s: string): T => JSON.parse(s) as T;
const hello = (name: string, ...more: string[]) => ['create', 'hello', '--set', `name=${name}`, '--set', `description=The ${name} service`, '--set', 'owner=group:default/team-a', ...more];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-cli-scaffolder-'));
  // One task at a time, so a task queued behind the blocked one in the last tests stays queued.
  platform = await startPlatform({ workspaceDir: join(root, '.gantry'), port: 0, seedSample: false, builtInTemplates: false, quiet: true, scaffolderConcurrency: 1 });
  admin = { env: { GANTRY_URL: platform.url, GANTRY_TOKEN: platform.adminToken }, cwd: root };
  expect((await api('POST', '/api/catalog/entities', { yaml: ORG, file: 'org.yaml' })).status).toBe(200);
  expect((await api('POST', '/api/catalog/locations', { target: `${FIXTURES}#hello/template.yaml`, type: 'dir' })).status).toBe(201);
  await mkdir(join(root, 'slow', 'skeleton'), { recursive: true });
  await writeFile(join(root, 'slow', 'template.yaml'), SLOW);
  await writeFile(join(root, 'slow', 'skeleton', 'catalog-info.yaml'), SLOW_DESCRIPTOR);
  expect((await api('POST', '/api/catalog/locations', { target: join(root, 'slow', 'template.yaml'), type: 'file' })).status).toBe(201);
});

afterAll(async () => {
  await platform?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('help', () => {
  it.each([
    ['template'],
    ['template', 'list'],
    ['template', 'show'],
    ['create'],
    ['task'],
    ['task', 'list'],
    ['task', 'show'],
    ['task', 'logs'],
    ['task', 'cancel'],
  ])('gantry %s %s --help exits 0', async (...args: string[]) => {
    const words = args.filter(Boolean);
    const r = await gantry([...words, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`Usage: gantry ${words.join(' ')}`);
  });
});

describe('gantry template', () => {
  it('lists templates as a table and as JSON, with filters', async () => {
    const table = await gantry(['template', 'list'], admin);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+VERSION\s+TYPE\s+OWNER\s+TITLE\s+TAGS$/m);
    expect(table.stdout).toMatch(/^hello\s+1\.2\.0\s+service\s+group:default\/team-a\s+Hello service\s+test, small$/m);

    const tagged = await gantry(['template', 'list', '--tag', 'small', '--json'], admin);
    expect(tagged.exitCode).toBe(0);
    const items = json<{ items: Array<{ name: string; version: string; ref: string }> }>(tagged.stdout).items;
    expect(items.map((t) => [t.ref, t.version])).toEqual([['template:default/hello', '1.2.0']]);

    const none = await gantry(['template', 'list', '--tag', 'nope'], admin);
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('No templates match.');
  });

  it('shows a template: metadata, parameters page by page, steps and outputs', async () => {
    const r = await gantry(['template', 'show', 'hello'], admin);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^template:default\/hello {2}Hello service$/m);
    expect(r.stdout).toMatch(/^Version:\s+1\.2\.0$/m);
    expect(r.stdout).toMatch(/^Owner:\s+group:default\/team-a$/m);
    expect(r.stdout).toMatch(/^Source:\s+hello\/template\.yaml:1$/m);
    expect(r.stdout).toMatch(/^ {2}Page 1: Service$/m);
    expect(r.stdout).toMatch(/^ {4}name\s+string\s+yes\s+-\s+matches \^\[a-z\]\[a-z0-9-\]\{1,30\}\[a-z0-9\]\$\s+Name$/m);
    expect(r.stdout).toMatch(/^ {2}Page 2: Ownership$/m);
    expect(r.stdout).toMatch(/^ {4}owner\s+string\s+yes\s+-\s+a group in the catalog \(OwnerPicker\)\s+Owner$/m);
    expect(r.stdout).toMatch(/^ {4}tier\s+string\s+no\s+tier-2\s+one of tier-1, tier-2, tier-3$/m);
    expect(r.stdout).toMatch(/^ {2}publish\s+publish:git\s+Publish$/m);
    expect(r.stdout).toMatch(/^ {2}boom\s+catalog:register\s+.*\(if \$\{\{ parameters\.failAfterPublish \}\}\)$/m);
    expect(r.stdout).toContain("Repository: ${{ steps['publish'].output.remoteUrl }}");
    expect(r.stdout).toContain('gantry create hello --set name=… --set description=… --set owner=…');

    const asJson = await gantry(['template', 'show', 'template:default/hello', '--json'], admin);
    expect(asJson.exitCode).toBe(0);
    const detail = json<{ parameters: unknown[]; steps: Array<{ id: string }> }>(asJson.stdout);
    expect(detail.parameters).toHaveLength(2);
    expect(detail.steps.map((s) => s.id)).toEqual(['fetch', 'rename', 'log', 'publish', 'register', 'boom']);
  });

  it('says what is wrong with a template ref', async () => {
    const missing = await gantry(['template', 'show', 'nope'], admin);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^error: not found: .*template:default\/nope/m);
    const wrongKind = await gantry(['template', 'show', 'component:default/hello'], admin);
    expect(wrongKind.exitCode).toBe(2);
    expect(wrongKind.stderr).toContain('expected a template ref (template:namespace/name), found the kind "component"');
  });
});

describe('gantry create', () => {
  it('--dry-run prints every file with its content, each step, and the plan; nothing is created', async () => {
    const r = await gantry([...hello('dry-cli'), '--set', 'tier=tier-1', '--dry-run'], admin);
    expect(r.stderr).toContain('Dry run of hello@1.2.0: nothing was created.');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Files \(5\):$/m);
    expect(r.stdout).toMatch(/^ {2}README\.md {2}\d+ B$/m);
    expect(r.stdout).toMatch(/^ {6}# dry-cli$/m);
    expect(r.stdout).toMatch(/^ {6}The dry-cli service Owned by team-a\.$/m);
    expect(r.stdout).toMatch(/^ {6}Tier 1: paged around the clock\.$/m);
    expect(r.stdout).toMatch(/^ {2}run\.sh {2}\d+ B, executable$/m);
    expect(r.stdout).toMatch(/^ {2}publish\s+publish:git\s+succeeded\s+Publish$/m);
    expect(r.stdout).toMatch(/^ {6}repoName: dry-cli$/m);
    expect(r.stdout).toMatch(/^ {2}boom\s+catalog:register\s+skipped\s+/m);
    expect(r.stdout).toContain('would create repository dry-cli');
    expect(r.stdout).toContain('would register entity component:default/dry-cli');
    expect((await api('GET', '/api/repos/dry-cli')).status).toBe(404);
    expect((await api('GET', '/api/catalog/entities/by-ref/component/default/dry-cli')).status).toBe(404);

    const asJson = await gantry([...hello('dry-cli'), '--dry-run', '--json'], admin);
    expect(asJson.exitCode).toBe(0);
    const result = json<{ ok: boolean; plan: { repos: string[] }; files: Array<{ path: string }> }>(asJson.stdout);
    expect(result.ok).toBe(true);
    expect(result.plan.repos).toEqual(['dry-cli']);
    expect(result.files.map((f) => f.path)).toContain('docs/notes.md');
  });

  it('creates the repository and the entity, following the log on stderr and printing the links on stdout', async () => {
    await writeFile(join(root, 'values.yaml'), 'description: Takes orders\nowner: group:default/team-a\ntier: tier-3\n');
    const r = await gantry(['create', 'hello', '--values', 'values.yaml', '--set', 'name=cli-api', '--set', 'extraDocs=true'], admin);
    expect(r.stderr).toMatch(/^\[publish\] created the hosted repository cli-api$/m);
    expect(r.stderr).toMatch(/^\[log\] rendered 6 files for cli-api$/m);
    expect(r.stderr).toMatch(/^Task \S+ succeeded\.$/m);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Repository: ${platform.url}/git/cli-api$`, 'm'));
    expect(r.stdout).toMatch(/^Open in catalog: component:default\/cli-api$/m);
    expect(r.stdout).toMatch(new RegExp(`^Next: Clone ${platform.url}/git/cli-api$`, 'm'));

    const entity = await api('GET', '/api/catalog/entities/by-ref/component/default/cli-api');
    expect(entity.status).toBe(200);
    expect(entity.body.entity.metadata.description).toBe('Takes orders');
    expect(JSON.parse(entity.body.entity.metadata.annotations['gantry.dev/template-parameters'])).toMatchObject({ tier: 'tier-3', extraDocs: true });
    expect((await api('GET', '/api/repos/cli-api')).status).toBe(200);
  });

  it('a name that breaks the schema is refused with the field path; nothing is created', async () => {
    const r = await gantry(['create', 'hello', '--set', 'name=Bad Name', '--set', 'description=x', '--set', 'owner=group:default/team-a', '--set', 'tier=tier-9'], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: invalid input: /m);
    expect(r.stderr).toMatch(/^ {2}parameters\.name \(Name\): expected text matching .*, found "Bad Name"$/m);
    expect(r.stderr).toMatch(/^ {2}parameters\.tier: expected one of "tier-1", "tier-2", "tier-3", found "tier-9"$/m);
    const tasks = await api('GET', '/api/tasks');
    expect(tasks.body.items.filter((t: Task) => t.parameters.name === 'Bad Name')).toEqual([]);
  });

  it('without a terminal, missing required values are a usage error naming every one', async () => {
    const r = await gantry(['create', 'hello', '--set', 'description=x'], admin);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: hello needs values for name, owner');
    expect(r.stderr).toMatch(/^ {2}parameters\.name \(Name\): expected a value \(required\); add --set name=VALUE$/m);
    expect(r.stderr).toMatch(/^ {2}parameters\.owner \(Owner\): expected a value \(required\); add --set owner=VALUE$/m);
  });

  // A terminal for the CLI: Python's pty module (no Node package for it here); answers each question as it appears.
  const PTY_DRIVER = `
import json, os, pty, re, select, sys
answers = [a.encode() for a in json.loads(sys.argv[1])]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
buf, i, since = b'', 0, 0
while True:
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:
        os.kill(pid, 9)
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    buf += data
    # A question is a line of its own, "<parameter>: " or "<parameter> [choices]: " (other lines are indented);
    # only what arrived since the last answer counts, so one question is never answered twice.
    if i < len(answers) and re.search(rb'(^|\\n|\\x1b\\[0J)[A-Za-z][\\w-]*( \\[[^\\]]*\\])?: (\\x1b\\[\\d+G)?$', buf[since:]):
        os.write(fd, answers[i])
        i += 1
        since = len(buf)
sys.stdout.write(buf.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;
  const python = execaSync('python3', ['--version'], { reject: false }).exitCode === 0;

  it.skipIf(!python)('on a terminal, asks for each missing required value and checks the answer', async () => {
    const answers = ['Bad Name\r', 'asked-api\r', 'Asked for\r'];
    const r = await execa('python3', ['-c', PTY_DRIVER, JSON.stringify(answers), 'node', BIN, 'create', 'hello', '--dry-run', '--set', 'owner=group:default/team-a'], {
      cwd: root,
      env: cleanEnv({ ...admin.env, TERM: 'xterm' }),
      extendEnv: false,
      reject: false,
    });
    // readline moves the cursor with escape sequences; the test reads the text.
    // eslint-disable-next-line no-control-regex
    const screen = String(r.stdout).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
    expect(screen).toContain('2 required values missing');
    expect(screen).toMatch(/^Name \(name\)$/m);
    expect(screen).toMatch(/^ {2}expected text matching \^\[a-z\].*, found "Bad Name"$/m);
    expect(screen).toMatch(/^Description \(description\)$/m);
    expect(screen).toMatch(/^ {6}# asked-api$/m);
    expect(screen).toMatch(/^ {6}Asked for Owned by team-a\.$/m);
    expect(r.exitCode).toBe(0);
  });

  it('bad --set and --values input says where', async () => {
    const noEquals = await gantry(['create', 'hello', '--set', 'name'], admin);
    expect(noEquals.exitCode).toBe(2);
    expect(noEquals.stderr).toContain('expected key=value');

    const badJson = await gantry(['create', 'hello', '--set', 'extraDocs={nope', '--dry-run'], admin);
    expect(badJson.exitCode).toBe(2);
    expect(badJson.stderr).toMatch(/^error: --set extraDocs: expected JSON after "\{"/m);

    await writeFile(join(root, 'broken.yaml'), 'name: x\ndescription: [oops\n');
    const badYaml = await gantry(['create', 'hello', '--values', 'broken.yaml'], admin);
    expect(badYaml.exitCode).toBe(1);
    expect(badYaml.stderr).toMatch(/^error: broken\.yaml:\d+:\d+: expected YAML or JSON, found an error: /m);

    await writeFile(join(root, 'list.yaml'), '- name\n');
    const notMapping = await gantry(['create', 'hello', '--values', 'list.yaml'], admin);
    expect(notMapping.exitCode).toBe(1);
    expect(notMapping.stderr).toContain('error: list.yaml:1:1: expected a mapping of parameter names to values');
  });

  it('a failing step ends with exit 1, naming the step and why', async () => {
    const r = await gantry([...hello('doomed-cli'), '--set', 'failAfterPublish=true'], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: task \S+ failed at step boom \(Register a second descriptor .*\): steps\[5\] \(boom\): .*127\.0\.0\.1:9/m);
    expect(r.stderr).toMatch(/^\[task\] removed the hosted repository doomed-cli$/m);
    expect(r.stdout).toBe('');
    expect((await api('GET', '/api/repos/doomed-cli')).status).toBe(404);
  });

  it('--no-wait prints the task id, which task logs -f then follows to the end', async () => {
    const r = await gantry([...hello('later-api'), '--no-wait'], admin);
    expect(r.exitCode).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^\S+$/);
    expect(r.stderr).toContain(`gantry task logs ${id} -f`);
    const followed = await gantry(['task', 'logs', id, '-f'], admin);
    expect(followed.exitCode).toBe(0);
    expect(followed.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d+Z \[log\] rendered 5 files for later-api$/m);
    expect(followed.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d+Z \[task\] done$/m);
    expect(followed.stderr).toMatch(new RegExp(`^Task ${id} succeeded`, 'm'));
  });
});

describe('gantry task', () => {
  let succeeded: Task;
  let failed: Task;

  beforeAll(async () => {
    const all = json<{ items: Task[] }>((await gantry(['task', 'list', '--json'], admin)).stdout).items;
    succeeded = all.find((t) => t.parameters.name === 'cli-api')!;
    failed = all.find((t) => t.parameters.name === 'doomed-cli')!;
  });

  it('lists tasks as JSON and as a table, filtered by status and creator', async () => {
    expect(succeeded.status).toBe('succeeded');
    expect(failed.status).toBe('failed');
    const table = await gantry(['task', 'list'], admin);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+TEMPLATE\s+STATUS\s+CREATED BY\s+AGE\s+DURATION$/m);
    expect(table.stdout).toMatch(new RegExp(`^${succeeded.id}\\s+hello@1\\.2\\.0\\s+succeeded\\s+user:default/admin\\s+\\S+ ago\\s+\\d+\\.\\d s$`, 'm'));

    const onlyFailed = json<{ items: Task[] }>((await gantry(['task', 'list', '--status', 'failed', '--json'], admin)).stdout).items;
    expect(onlyFailed.map((t) => t.id)).toContain(failed.id);
    expect(onlyFailed.every((t) => t.status === 'failed')).toBe(true);

    const mine = await gantry(['task', 'list', '--mine', '--limit', '1', '--json'], admin);
    expect(json<{ items: Task[] }>(mine.stdout).items).toHaveLength(1);

    const badStatus = await gantry(['task', 'list', '--status', 'done'], admin);
    expect(badStatus.exitCode).toBe(2);
  });

  it('prints the log lines of a task, as text and JSON', async () => {
    const r = await gantry(['task', 'logs', succeeded.id], admin);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d+Z \[publish\] created the hosted repository cli-api$/m);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d+Z \[register\] registered .*component:default\/cli-api queryable in the catalog$/m);
    const asJson = json<{ items: Array<{ seq: number; stepId: string | null; message: string }> }>((await gantry(['task', 'logs', succeeded.id, '--json'], admin)).stdout);
    expect(asJson.items.map((l) => l.message)).toContain('rendered 6 files for cli-api');

    const followFailed = await gantry(['task', 'logs', failed.id, '-f'], admin);
    expect(followFailed.exitCode).toBe(1);
    expect(followFailed.stderr).toContain(`error: task ${failed.id} failed at step boom`);

    const unknown = await gantry(['task', 'logs', 'no-such-task'], admin);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/^error: not found: /m);
  });

  it('shows a task: status, steps with status and error, output links', async () => {
    const ok = await gantry(['task', 'show', succeeded.id], admin);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^Task ${succeeded.id} {2}succeeded$`, 'm'));
    expect(ok.stdout).toMatch(/^Template:\s+Hello service \(template:default\/hello, version 1\.2\.0\)$/m);
    expect(ok.stdout).toMatch(/^ {2}publish\s+succeeded\s+Publish \(publish:git\)/m);
    expect(ok.stdout).toMatch(/^ {2}boom\s+skipped\s+/m);
    expect(ok.stdout).toMatch(/^ {2}Open in catalog: component:default\/cli-api$/m);
    expect(ok.stdout).toMatch(/^ {2}repository cli-api$/m);

    const bad = await gantry(['task', 'show', failed.id], admin);
    expect(bad.stdout).toMatch(/^ {2}boom\s+failed\s+/m);
    expect(bad.stdout).toMatch(/^Error:\s+boom: steps\[5\] \(boom\): /m);
  });

  it('cancel on a finished task exits 1 and says it has finished', async () => {
    const r = await gantry(['task', 'cancel', succeeded.id], admin);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`error: conflict: task ${succeeded.id} has already succeeded`);
  });
});

describe('following a running task', () => {
  let server: Server;
  const held: Socket[] = [];
  let connected: Promise<void>;

  beforeAll(async () => {
    let onConnect!: () => void;
    connected = new Promise((resolve) => (onConnect = resolve));
    // Accepts git's HTTP request and never answers, so the step stays running until the test lets go.
    server = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
      onConnect();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  let slowId: string;
  const run = (args: string[]) => execa('node', [BIN, ...args], { cwd: root, env: cleanEnv(admin.env), extendEnv: false, reject: false, stdin: 'ignore' });

  it('prints the log as it arrives; Ctrl-C stops following, not the task', async () => {
    const port = (server.address() as { port: number }).port;
    const child = run(['create', 'slow', '--set', `url=http://127.0.0.1:${port}/slow.git/catalog-info.yaml`]);
    let stderr = '';
    const sawWaitStep = new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('[wait] Register from a server that holds the line')) resolve();
      });
    });
    // The step's line was printed while the task is still running: the step is blocked on this connection.
    await Promise.all([sawWaitStep, connected]);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    slowId = /^Task (\S+) \(slow@/m.exec(stderr)![1]!;
    expect(String(r.stderr)).toContain(`Stopped following task ${slowId}; the task goes on.`);
    expect(String(r.stderr)).toContain(`gantry task logs ${slowId} -f`);
    expect((await api('GET', `/api/tasks/${slowId}`)).body.status).toBe('running');
  });

  it('cancels a queued task at once', async () => {
    // The only task slot is taken by the blocked task, so this one stays queued.
    const queued = await gantry([...hello('queued-api'), '--no-wait'], admin);
    expect(queued.exitCode).toBe(0);
    const id = queued.stdout.trim();
    expect(queued.stderr).toContain(`Task ${id} queued (hello@1.2.0)`);
    const cancel = await gantry(['task', 'cancel', id], admin);
    expect(cancel.exitCode).toBe(0);
    expect(cancel.stdout).toBe(`Task ${id}: cancelled.`);
    const followed = await gantry(['task', 'logs', id, '-f'], admin);
    expect(followed.exitCode).toBe(1);
    expect(followed.stderr).toContain(`error: task ${id} was cancelled before it started`);
    expect((await api('GET', '/api/repos/queued-api')).status).toBe(404);
  });

  it('asks a running task to stop; following it then ends with exit 1 and says how it ended', async () => {
    const cancel = await gantry(['task', 'cancel', slowId], admin);
    expect(cancel.exitCode).toBe(0);
    expect(cancel.stdout).toContain(`Task ${slowId}: running, cancel requested`);
    expect((await api('GET', `/api/tasks/${slowId}`)).body.cancelRequested).toBe(true);

    const follow = run(['task', 'logs', slowId, '-f']);
    for (const s of held) s.destroy(); // git fails now, and the step with it
    const followed = await follow;
    expect(followed.exitCode).toBe(1);
    expect(followed.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d+Z \[wait\] Register from a server that holds the line \(catalog:register\)$/m);
    // The worker notices the request on its next check; if git failed before that, the task failed instead.
    const status = (await api('GET', `/api/tasks/${slowId}`)).body.status as string;
    expect(['cancelled', 'failed']).toContain(status);
    expect(followed.stderr).toContain(`error: task ${slowId} ${status === 'cancelled' ? 'was cancelled' : 'failed'} at step wait`);
  });
});

describe('--set values are typed by the template schema', () => {
  it('keeps strings, parses booleans, numbers, JSON and lists', () => {
    expect(coerceValue('true', { type: 'string' }, 'x')).toBe('true');
    expect(coerceValue('[1]', { type: 'string' }, 'x')).toBe('[1]');
    expect(coerceValue('true', { type: 'boolean' }, 'x')).toBe(true);
    expect(coerceValue('false', undefined, 'x')).toBe(false);
    expect(coerceValue('8080', { type: 'integer' }, 'x')).toBe(8080);
    expect(coerceValue('1.5', { type: ['number', 'null'] }, 'x')).toBe(1.5);
    expect(coerceValue('8080', undefined, 'x')).toBe('8080');
    expect(coerceValue('eighty', { type: 'integer' }, 'x')).toBe('eighty');
    expect(coerceValue('{"a":[1,2]}', { type: 'object' }, 'x')).toEqual({ a: [1, 2] });
    expect(coerceValue('a, b,c', { type: 'array', items: { type: 'string' } }, 'x')).toEqual(['a', 'b', 'c']);
    expect(coerceValue('1,2', { type: 'array', items: { type: 'integer' } }, 'x')).toEqual([1, 2]);
    expect(() => coerceValue('[1,', { type: 'array' }, '--set ports')).toThrow(/^--set ports: expected JSON after "\["/);
  });
});
