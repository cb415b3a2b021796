/**
 * `gantry step <id> [--with JSON]`: runs one of Gantry's built-in steps (secret scan, dependency audit, policy
 * gate) in the current directory, the same code the runner uses. Exported GitHub Actions and GitLab CI workflows
 * call it (`npx --no gantry step gantry/secret-scan@1 --with '{...}'`), so a pipeline exported to another CI
 * system keeps its security gates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { CliError, SilentFailure, UsageError } from '../errors.js';
import { err, print, printErr, printJson, renderProblem } from '../output.js';

interface StepOptions {
  with?: string;
  json?: boolean;
}

function gitValue(args: string[], fallback: string): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || fallback;
  } catch {
    return fallback;
  }
}

export function stepCommand(program: Command): Command {
  return program
    .command('step')
    .description("run one of Gantry's built-in pipeline steps here (for exported workflows): secret scan, dependency audit, policy gate")
    .argument('<id>', 'the step, e.g. gantry/secret-scan@1, gantry/dependency-audit@1, gantry/policy-gate@1')
    .option('--with <json>', "the step's inputs as a JSON object, e.g. '{\"severity\":\"high\"}'")
    .option('--json', 'print the result and findings as JSON')
    .addHelpText(
      'after',
      `
The step runs on a copy of the current directory. Exit 0 when it passes, 1 when it fails (findings at or above
its threshold), 2 for a bad id or bad --with.

Examples:
  $ gantry step gantry/secret-scan@1
  $ gantry step gantry/dependency-audit@1 --with '{"severity":"critical"}'`,
    )
    .action(async (id: string, opts: StepOptions) => {
      let inputs: unknown = undefined;
      if (opts.with !== undefined) {
        try {
          inputs = JSON.parse(opts.with) as unknown;
        } catch (e) {
          throw new UsageError(`--with: expected a JSON object, found an error: ${(e as Error).message}`);
        }
        if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) throw new UsageError('--with: expected a JSON object');
      }
      const { model } = await import('../../pipelines/index.js');
      const { runPipeline } = await import('../../pipelines/runner/index.js');
      const text = stringify({ name: 'gantry step', on: { manual: true }, jobs: { step: { steps: [{ uses: id, ...(inputs ? { with: inputs } : {}) }] } } });
      const resolved = model.resolvePipelineText(text, '--with');
      const errors = resolved.problems.filter((p) => p.severity !== 'warning');
      if (!resolved.pipeline || errors.length > 0) {
        throw new UsageError(`cannot run ${id}: ${errors.map((p) => renderProblem(p).replace(/^--with:\d+:\d+: /, '')).join('; ')}`);
      }
      const scratch = await mkdtemp(join(tmpdir(), 'gantry-step-'));
      const findings: unknown[] = [];
      let outcome: { status: string; reason?: string } = { status: 'failed' };
      try {
        const result = await runPipeline({
          pipeline: resolved.pipeline,
          ctx: {
            runId: `step-${Date.now().toString(36)}`,
            event: 'manual',
            branch: process.env.GITHUB_REF_NAME ?? process.env.CI_COMMIT_BRANCH ?? gitValue(['rev-parse', '--abbrev-ref', 'HEAD'], 'main'),
            sha: process.env.GITHUB_SHA ?? process.env.CI_COMMIT_SHA ?? gitValue(['rev-parse', 'HEAD'], '0'.repeat(40)),
          },
          checkoutDir: process.cwd(),
          workDir: join(scratch, 'work'),
          cacheDir: join(scratch, 'cache'),
          artifactsDir: join(scratch, 'artifacts'),
          secrets: {},
          signal: new AbortController().signal,
          hooks: {
            onJob: () => {},
            onStep: (_job, _step, status, info) => {
              if (status !== 'running') outcome = { status, ...(info.reason ? { reason: info.reason } : {}) };
            },
            onLog: (_job, _step, chunk) => {
              if (!opts.json) process.stderr.write(chunk);
            },
            onFinding: (_job, _step, f) => findings.push(f),
          },
        });
        if (opts.json) printJson({ step: id, status: result.status, reason: outcome.reason ?? null, findings });
        else print(`${id}: ${result.status}${outcome.reason ? ` (${outcome.reason})` : ''}`);
        if (result.status !== 'succeeded') {
          if (!opts.json && outcome.reason) printErr(err.red(`error: ${outcome.reason}`));
          throw new SilentFailure();
        }
      } catch (e) {
        if (e instanceof SilentFailure || e instanceof UsageError) throw e;
        throw new CliError(`${id} could not run: ${(e as Error).message}`, { cause: e });
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
}
