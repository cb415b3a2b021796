import { z } from 'zod';
import { BUILT_IN_STEP_IDS } from './builtIns.js';

/**
 * The schema of `.gantry/pipeline.yaml` (docs/pipelines.md) and of the platform's standard pipelines. Objects are
 * strict: an unknown key is an error. Every custom message says what was expected; the parser adds what it found
 * and where (parsePipeline.ts).
 */

/** Job ids are also GitHub Actions job ids and GitLab job names, so they keep to what both accept. */
export const JOB_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DURATION_PATTERN = /^([1-9][0-9]{0,5})(s|m|h)$/;
/** Matrix values end up in job ids, names and commands: keep them to characters that need no quoting. */
const MATRIX_VALUE_PATTERN = /^[A-Za-z0-9._+/:@-]{1,64}$/;
const STANDARD_REF_PATTERN = /^gantry\/[a-z0-9][a-z0-9-]*@[1-9][0-9]*$/;

export const MATRIX_MAX_KEYS = 3;
export const MATRIX_MAX_COMBINATIONS = 16;

/** `30s`, `15m`, `1h` to milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text);
  if (!m) return undefined;
  const unit = m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : 1000;
  return Number(m[1]) * unit;
}

/** Milliseconds back to the shortest exact duration text (`90s`, `15m`, `2h`). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.ceil(ms / 1000)}s`;
}

const duration = z
  .string({ error: 'expected a duration such as 30s, 15m or 1h' })
  .regex(DURATION_PATTERN, { error: 'expected a duration such as 30s, 15m or 1h (a whole number and s, m or h)' })
  .describe('A duration: a whole number followed by s, m or h (30s, 15m, 1h).');

/** Globs over branch names: `*` (not across `/`), `**` (across `/`), `?`. */
const branchGlob = z
  .string({ error: 'expected a branch name or glob such as main or release/*' })
  .min(1, { error: 'expected a branch name or glob, found an empty string' })
  .regex(/^[^!\s[\]\\][^\s[\]\\]*$/, {
    error: 'expected a branch name or glob using only *, ** and ? (no spaces, no [character classes], no !negation)',
  });

const stringList = (what: string) =>
  z.array(z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}, found an empty string` }), {
    error: `expected a list of ${what}s`,
  });

/**
 * A workspace-relative path: not absolute, no `..` segment. Matrix expressions are allowed (checked again
 * after expansion).
 */
const relativePath = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}, found an empty string` })
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !/^[A-Za-z]:/.test(p), {
      error: `expected ${what} relative to the checkout (no leading /, no .. segments)`,
    });

const events = z.enum(['push', 'manual', 'webhook'], { error: 'expected one of push, manual, webhook' });

export const conditionSchema = z
  .strictObject({
    branches: z
      .array(branchGlob, { error: 'expected a list of branch names or globs' })
      .min(1, { error: 'expected at least one branch name or glob' })
      .optional()
      .describe('Run only on these branches (globs: *, **, ?).'),
    events: z
      .array(events, { error: 'expected a list of events (push, manual, webhook)' })
      .min(1, { error: 'expected at least one event' })
      .optional()
      .describe('Run only for these events.'),
  })
  .describe('Run only when every given list matches; absent means always.');

const secretRef = z
  .strictObject({
    secret: z
      .string({ error: 'expected the name of a platform secret' })
      .regex(ENV_NAME_PATTERN, { error: 'expected a secret name of letters, digits and _ (not starting with a digit)' }),
  })
  .describe('A platform secret, resolved at run time and masked in logs.');

const envValue = z.union([z.string(), secretRef], {
  error: 'expected a string (quote numbers and booleans: "true") or { secret: NAME }',
});

export const envSchema = z
  .record(
    z
      .string()
      .regex(ENV_NAME_PATTERN, {
        error: 'expected an environment variable name of letters, digits and _ (not starting with a digit)',
      })
      .refine((k) => !k.startsWith('GANTRY_'), { error: 'expected a name not starting with GANTRY_ (reserved for the platform)' }),
    envValue,
    { error: 'expected a mapping of environment variable names to strings' },
  )
  .describe('Environment variables: strings, or { secret: NAME } for a platform secret.');

export const stepSchema = z
  .strictObject({
    name: z.string({ error: 'expected a step name' }).min(1).optional().describe('Display name; default: the first line of run, or the uses id.'),
    run: z
      .string({ error: 'expected a shell command' })
      .min(1, { error: 'expected a shell command, found an empty string' })
      .optional()
      .describe('A shell command, run with sh -e -c in the checkout.'),
    uses: z
      .enum(BUILT_IN_STEP_IDS, { error: `expected one of the built-in steps ${BUILT_IN_STEP_IDS.join(', ')}` })
      .optional()
      .describe('A built-in step instead of run.'),
    with: z
      .record(z.string(), z.unknown(), { error: 'expected a mapping of inputs' })
      .optional()
      .describe('Inputs of the built-in step named by uses.'),
    env: envSchema.optional(),
    timeout: duration.optional().describe('Step timeout (default 10m).'),
    if: conditionSchema.optional(),
    workingDirectory: relativePath('a directory').optional().describe('Directory relative to the checkout.'),
  })
  .superRefine((step, ctx) => {
    if (step.run === undefined && step.uses === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of run or uses, found neither', input: step });
    } else if (step.run !== undefined && step.uses !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of run or uses, found both', input: step });
    }
    if (step.with !== undefined && step.uses === undefined) {
      ctx.addIssue({ code: 'custom', path: ['with'], message: 'expected with only on a step that has uses', input: step.with });
    }
  })
  .meta({ oneOf: [{ required: ['run'] }, { required: ['uses'] }] });

const matrixSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,31}$/, { error: 'expected a matrix key of letters, digits, _ and -' }),
    z
      .array(
        z
          .string({ error: 'expected a string (quote numbers: "20", "3.10")' })
          .regex(MATRIX_VALUE_PATTERN, {
            error: 'expected a matrix value of letters, digits and . _ + / : @ - (at most 64 characters)',
          }),
        { error: 'expected a list of values' },
      )
      .min(1, { error: 'expected at least one value' })
      .refine((values) => new Set(values).size === values.length, { error: 'expected distinct values' }),
    { error: 'expected a mapping of matrix keys to lists of values' },
  )
  .superRefine((matrix, ctx) => {
    const keys = Object.keys(matrix);
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one matrix key, found none', input: matrix });
    if (keys.length > MATRIX_MAX_KEYS) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${MATRIX_MAX_KEYS} matrix keys, found ${keys.length}`, input: matrix });
    }
    const combinations = Object.values(matrix).reduce((n, values) => n * values.length, 1);
    if (combinations > MATRIX_MAX_COMBINATIONS) {
      ctx.addIssue({
        code: 'custom',
        message: `expected at most ${MATRIX_MAX_COMBINATIONS} combinations, found ${combinations}`,
        input: matrix,
      });
    }
  })
  .describe(`A small matrix: at most ${MATRIX_MAX_KEYS} keys and ${MATRIX_MAX_COMBINATIONS} combinations; the job runs once per combination.`);

const cacheSchema = z
  .strictObject({
    key: z
      .array(relativePath('a file path'), { error: 'expected a list of files whose contents make the key' })
      .min(1, { error: 'expected at least one key file' })
      .describe('Files whose contents (sha256) make the key, with the job id, the matrix values and the prefix.'),
    prefix: z
      .string({ error: 'expected a key prefix' })
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected a prefix of letters, digits and . _ - (at most 64 characters)' })
      .optional(),
    paths: z
      .array(relativePath('a path'), { error: 'expected a list of paths to save and restore' })
      .min(1, { error: 'expected at least one path' }),
  })
  .describe('Directories and files saved after the job and restored before it.');

const artifactsSchema = z
  .strictObject({
    paths: z
      .array(relativePath('a glob'), { error: 'expected a list of globs' })
      .min(1, { error: 'expected at least one glob' })
      .describe('Globs relative to the checkout; matching files are kept with the run.'),
  })
  .describe('Files kept with the run.');

const jobIdList = z
  .array(z.string({ error: 'expected a job id' }).regex(JOB_ID_PATTERN, { error: 'expected a job id' }), {
    error: 'expected a list of job ids',
  });

const jobFields = {
  name: z.string({ error: 'expected a display name' }).min(1).optional().describe('Display name; default: the job id.'),
  needs: jobIdList.optional().describe('Jobs this one waits for; needing a matrix job waits for all its combinations.'),
  runsOn: stringList('a runner label').optional().describe('Runner labels required (default: any runner).'),
  timeout: duration.optional().describe('Job timeout (default 30m).'),
  if: conditionSchema.optional(),
  env: envSchema.optional(),
  matrix: matrixSchema.optional(),
  cache: cacheSchema.optional(),
  artifacts: artifactsSchema.optional(),
  steps: z
    .array(stepSchema, { error: 'expected a list of steps' })
    .min(1, { error: 'expected at least one step' })
    .optional()
    .describe('Steps, in order. In a job of the standard pipeline, these are appended after its steps.'),
};

export const jobSchema = z.strictObject(jobFields);

const onSchema = z
  .strictObject({
    push: z
      .strictObject({ branches: z.array(branchGlob, { error: 'expected a list of branch names or globs' }).min(1).optional() })
      .nullable()
      .optional()
      .describe('Run on pushes; branches are globs (omit for any branch).'),
    manual: z.boolean({ error: 'expected true or false' }).optional().describe('Allow runs started by hand.'),
  })
  .describe('Triggers. Absent: push to any branch and manual. Present: only the triggers listed.');

export const RETRY_MAX = 2; // GitLab CI allows at most 2 retries; the exported file keeps the same policy.

export const retrySchema = z
  .strictObject({
    runnerLost: z
      .number({ error: `expected a whole number of retries from 0 to ${RETRY_MAX}` })
      .int({ error: `expected a whole number of retries from 0 to ${RETRY_MAX}` })
      .min(0, { error: `expected a whole number of retries from 0 to ${RETRY_MAX}` })
      .max(RETRY_MAX, { error: `expected at most ${RETRY_MAX} retries` })
      .describe('How many times a run whose runner stopped (killed, machine lost) is started again from the first job once its lease expires (default 0: marked failed).'),
  })
  .describe('What happens to a run when its runner is lost.');

const jobIdKey = z.string().regex(JOB_ID_PATTERN, {
  error: 'expected a job id: a letter or _, then letters, digits, _ or - (at most 63 characters)',
});

/** The team's `.gantry/pipeline.yaml`. */
export const pipelineFileSchema = z
  .strictObject({
    extends: z
      .string({ error: 'expected a standard pipeline such as gantry/node-service@1' })
      .regex(STANDARD_REF_PATTERN, { error: 'expected a standard pipeline such as gantry/node-service@1' })
      .optional()
      .describe('The platform standard pipeline this one extends; its required jobs cannot be removed.'),
    name: z.string({ error: 'expected a display name' }).min(1).optional(),
    on: onSchema.optional(),
    env: envSchema.optional(),
    retry: retrySchema.optional(),
    remove: jobIdList
      .optional()
      .describe('Jobs of the standard pipeline to leave out (required jobs cannot be removed).'),
    jobs: z
      .record(jobIdKey, jobSchema.nullable(), { error: 'expected a mapping of job ids to jobs' })
      .optional()
      .describe('Jobs by id. In a file that extends a standard, a job with a standard job id configures it; null removes it.'),
  })
  .superRefine((file, ctx) => {
    if (file.extends === undefined && (file.jobs === undefined || Object.keys(file.jobs).length === 0)) {
      ctx.addIssue({ code: 'custom', path: ['jobs'], message: 'expected at least one job (or extends)', input: file.jobs });
    }
  })
  .meta({ title: 'Gantry pipeline (.gantry/pipeline.yaml)', description: 'See docs/pipelines.md.' });

export type PipelineFile = z.infer<typeof pipelineFileSchema>;
export type PipelineFileJob = z.infer<typeof jobSchema>;
export type PipelineFileStep = z.infer<typeof stepSchema>;

const standardJobSchema = z
  .strictObject({
    ...jobFields,
    required: z.boolean({ error: 'expected true or false' }).optional(),
    reason: z.string({ error: 'expected why the job is required' }).min(1).optional(),
  })
  .superRefine((job, ctx) => {
    if (job.required && job.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'expected a reason on a required job', input: job.reason });
    }
    if (job.steps === undefined) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'expected steps', input: job.steps });
  });

/** A standard pipeline in src/pipelines/standard/: the same format, plus `required` and `reason` on jobs. */
export const standardPipelineSchema = z.strictObject({
  name: z.string().min(1).optional(),
  on: onSchema.optional(),
  env: envSchema.optional(),
  retry: retrySchema.optional(),
  jobs: z.record(jobIdKey, standardJobSchema),
});

export type StandardPipelineFile = z.infer<typeof standardPipelineSchema>;
export type StandardPipelineJob = z.infer<typeof standardJobSchema>;

/**
 * The JSON Schema of `.gantry/pipeline.yaml`, for editors (draft-07, which editors support best). Checks that are
 * code (exactly one of run/uses is approximated with oneOf; matrix limits, known job ids) are not in it.
 * docs/pipeline.schema.json is this, pretty-printed; regenerate it with
 *   npx tsx -e "import('./src/pipelines/model/schema.ts').then(m => process.stdout.write(JSON.stringify(m.pipelineJsonSchema(), null, 2) + '\n'))" > docs/pipeline.schema.json
 * (src/pipelines/model/schema.test.ts fails when the file is stale).
 */
export function pipelineJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(pipelineFileSchema, { target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
}
