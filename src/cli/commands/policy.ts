/**
 * `gantry policy test|eval|validate`: offline, no server. The same parser, engine and packs the platform uses,
 * so a policy repository can be checked in any CI.
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Problem } from '../../core/errors.js';
import { ADMISSION_ACTIONS, type AdmissionInput } from '../../policy/model/types.js';

/** The policy engine and its loaders, loaded by the commands that run policies (not at every CLI start-up). */
const policyModule = () => import('../../policy/index.js');
import { SilentFailure, UsageError } from '../errors.js';
import { out, print, printJson, printTable, renderProblem } from '../output.js';
import { connect, type GlobalOptions } from '../client.js';
import { stringify as stringifyYaml } from 'yaml';

interface PolicySummary {
  name: string;
  title: string | null;
  mode: string;
  pack: string | null;
  actions: string[];
  validations: number;
  source: string;
}

interface Decision {
  id: string;
  time: string;
  policy: string;
  action: string;
  subject: string;
  result: string;
  environment: string | null;
  actor: string;
  messages: string[];
}

function printDecisions(items: Decision[]): void {
  printTable(
    ['time', 'result', 'policy', 'action', 'subject', 'env', 'actor', 'message'],
    items.map((d) => [d.time.replace('T', ' ').slice(0, 19), d.result, d.policy, d.action, d.subject, d.environment ?? '-', d.actor, d.messages.join('; ') || '-']),
    'No decisions.',
  );
}

async function mustExist(path: string, what: string): Promise<void> {
  try {
    await stat(path);
  } catch {
    throw new UsageError(`${what}: expected a file or folder, found nothing at ${path}`);
  }
}

function printProblems(problems: readonly Problem[]): void {
  for (const p of problems) print(renderProblem(p));
}

export function policyCommand(program: Command): void {
  const policy = program.command('policy').description('policy as code: list the platform\'s policies; test, evaluate and validate them offline').addHelpText(
    'after',
    `
Examples:
  $ gantry policy list                                  the built-in packs and the catalog's Policy entities
  $ gantry policy show production-needs-approval        its document and recent decisions
  $ gantry policy decisions --result deny --subject component:default/orders-api
  $ gantry policy validate ./policies
  $ gantry policy test ./policies                       PASS/FAIL per case; exit 1 on any failure
  $ gantry policy eval --policy ./policies --action deployment.create --input input.json
  $ gantry policy eval --builtin --action catalog.entity --input entity-input.json --json`,
  );

  policy
    .command('list')
    .description("the platform's policies: built-in packs and Policy entities of the catalog")
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<{ items: PolicySummary[] }>('/api/policies');
      if (opts.json) {
        printJson(r);
        return;
      }
      printTable(
        ['name', 'mode', 'pack', 'actions', 'source'],
        r.items.map((x) => [x.name, x.mode, x.pack ?? '-', x.actions.join(','), x.source]),
        'No policies.',
      );
    });

  policy
    .command('show')
    .description('one policy: its match, variables and validations, as YAML')
    .argument('<name>')
    .option('--json', 'print the API answer as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<PolicySummary & { policy: unknown; recentDecisions: Decision[] }>(`/api/policies/${encodeURIComponent(name)}`);
      if (opts.json) {
        printJson(r);
        return;
      }
      print(`# ${r.name} (${r.mode}${r.pack ? `, pack ${r.pack}` : ''}) from ${r.source}`);
      process.stdout.write(stringifyYaml(r.policy));
      print();
      print(r.recentDecisions.length ? 'Recent decisions:' : 'No decisions recorded yet.');
      if (r.recentDecisions.length) printDecisions(r.recentDecisions);
    });

  policy
    .command('decisions')
    .description('recorded decisions, newest first: who asked, about what, and what the policy said')
    .option('--policy <name>', 'only this policy')
    .option('--subject <ref>', 'only this subject (component:default/orders-api)')
    .option('--action <action>', `only this admission point (${ADMISSION_ACTIONS.join(', ')})`)
    .option('--result <result>', 'only allow, deny, warn, audit or exempt')
    .option('--limit <n>', 'at most this many (1-500)', '50')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: { policy?: string; subject?: string; action?: string; result?: string; limit: string; json?: boolean }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError(`--limit: expected a whole number from 1 to 500, found "${opts.limit}"`);
      if (opts.result && !['allow', 'deny', 'warn', 'audit', 'exempt'].includes(opts.result)) throw new UsageError(`--result: expected allow, deny, warn, audit or exempt, found "${opts.result}"`);
      const client = await connect(cmd.optsWithGlobals<GlobalOptions>());
      const r = await client.get<{ items: Decision[]; nextCursor: string | null }>('/api/policy-decisions', {
        policy: opts.policy,
        subject: opts.subject,
        action: opts.action,
        result: opts.result,
        limit,
      });
      if (opts.json) {
        printJson(r);
        return;
      }
      if (r.items.length === 0) print('No decisions.');
      else printDecisions(r.items);
    });

  policy
    .command('test')
    .description('run policy unit tests (*.test.yaml) under a folder or file; exit 1 on any failure')
    .argument('<path>', 'a folder (searched recursively) or one test file')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      await mustExist(path, 'path');
      const { runPolicyTests } = await policyModule();
      const report = await runPolicyTests(path);
      if (opts.json) printJson(report);
      else {
        if (report.files.length === 0) print(`no *.test.yaml files under ${path}`);
        for (const f of report.files) {
          printProblems(f.problems);
          for (const c of f.cases) {
            print(`${c.passed ? out.green('PASS') : out.red('FAIL')}: ${f.file}: ${c.name}`);
            if (c.detail) print(`      ${c.detail}`);
          }
        }
        const line = `${report.passed} passed, ${report.failed} failed`;
        print(report.failed ? out.red(line) : out.green(line));
      }
      if (report.failed > 0 || report.files.length === 0) throw new SilentFailure('policy tests failed');
    });

  policy
    .command('eval')
    .description('evaluate policies against one input and print the decisions; exit 1 when denied')
    .option('--policy <path...>', 'policy files or folders')
    .option('--builtin', 'include the built-in packs')
    .option('--disable-pack <name...>', 'with --builtin: leave these packs out')
    .requiredOption('--action <action>', `the admission point (${ADMISSION_ACTIONS.join(', ')})`)
    .requiredOption('--input <file>', 'JSON with subject, actor and object')
    .option('--now <time>', 'the time policies see (ISO); now when absent')
    .option('--json', 'print the decisions as JSON')
    .action(async (opts: { policy?: string[]; builtin?: boolean; disablePack?: string[]; action: string; input: string; now?: string; json?: boolean }) => {
      if (!opts.policy && !opts.builtin) throw new UsageError('expected --policy <file|dir> or --builtin');
      if (!(ADMISSION_ACTIONS as readonly string[]).includes(opts.action)) throw new UsageError(`--action: expected one of ${ADMISSION_ACTIONS.join(', ')}, found "${opts.action}"`);
      const now = opts.now === undefined ? undefined : new Date(opts.now);
      if (now && Number.isNaN(now.getTime())) throw new UsageError(`--now: expected an ISO time such as 2026-11-01T12:00:00Z, found "${opts.now}"`);
      let input: AdmissionInput;
      try {
        input = JSON.parse(await readFile(opts.input, 'utf8')) as AdmissionInput;
      } catch (e) {
        throw new UsageError(`--input: expected a JSON file with subject, actor and object: ${(e as Error).message}`);
      }
      const { builtInPolicies, createPolicyEngine, loadPolicyFiles } = await policyModule();
      const policies = opts.builtin ? builtInPolicies({ disabledPacks: opts.disablePack ?? [] }) : [];
      const problems: Problem[] = [];
      for (const p of opts.policy ?? []) {
        await mustExist(p, '--policy');
        const r = await loadPolicyFiles(p);
        policies.push(...r.policies);
        problems.push(...r.problems);
      }
      if (problems.length) {
        printProblems(problems);
        throw new SilentFailure('invalid policies');
      }
      const admission = createPolicyEngine().admit(policies, opts.action, input, now ? { now } : {});
      if (opts.json) printJson(admission);
      else {
        if (admission.decisions.length === 0) print('no policy matches this action and subject');
        for (const d of admission.decisions) {
          const result = d.result === 'allow' ? out.green(d.result) : d.result === 'deny' ? out.red(d.result) : out.yellow(d.result);
          print(`${result}  ${d.policy} (${d.mode}${d.reason ? `, ${d.reason}` : ''})`);
          for (const m of d.messages) print(`       ${m}`);
        }
        print(admission.allowed ? out.green('allowed') : out.red(`denied by ${admission.denials.map((d) => d.policy).join(', ')}`));
      }
      if (!admission.allowed) throw new SilentFailure('denied');
    });

  policy
    .command('validate')
    .description('check policy files (shape and every CEL expression); exit 1 on any problem')
    .argument('<paths...>', 'policy files or folders')
    .option('--json', 'print the problems as JSON')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const { loadPolicyFiles } = await policyModule();
      let count = 0;
      const problems: Problem[] = [];
      for (const p of paths) {
        await mustExist(p, 'path');
        const r = await loadPolicyFiles(p);
        count += r.policies.length;
        problems.push(...r.problems);
      }
      if (opts.json) printJson({ valid: problems.length === 0, policies: count, problems });
      else {
        printProblems(problems);
        print(problems.length ? out.red(`${problems.length} problem${problems.length === 1 ? '' : 's'}`) : out.green(`${count} polic${count === 1 ? 'y' : 'ies'} valid`));
      }
      if (problems.length) throw new SilentFailure('invalid policies');
    });
}
