import { z } from 'zod';

/**
 * The schema of a Score file (score.dev/v1b1), the subset Gantry runs (docs/score.md). Names, patterns and
 * ranges follow the Score specification's JSON schema; objects are strict, so a key Gantry does not know (or a
 * typo) is an error listing the keys it expected. Messages say what was expected; the parser adds what it found
 * and where (score.ts).
 */

/** RFC 1123 label of 2-63 characters, as the Score schema requires for workload, container, port and resource names. */
export const SCORE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$/;
const ANNOTATION_KEY_PATTERN =
  /^(([a-z0-9][a-z0-9-]{0,61}[a-z0-9])(\.[a-z0-9][a-z0-9-]{0,61}[a-z0-9])*\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]$/;
const CLASS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/;
const ID_PATTERN = /^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$/;
const MEMORY_PATTERN = /^[1-9]\d*(K|M|G|T|Ki|Mi|Gi|Ti)?$/;
const CPU_PATTERN = /^(\d+m|\d+(\.\d+)?|\.\d+)$/;
const FILE_MODE_PATTERN = /^0?[0-7]{3}$/;

const name = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .regex(SCORE_NAME_PATTERN, {
      error: `expected ${what}: 2-63 lowercase letters, digits and -, starting and ending with a letter or digit`,
    });

const text = (what: string) =>
  z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}, found an empty string` });

const port = (what: string) =>
  z
    .number({ error: `expected ${what}: a whole number from 1 to 65535` })
    .int({ error: `expected ${what}: a whole number from 1 to 65535` })
    .min(1, { error: `expected ${what}: a whole number from 1 to 65535` })
    .max(65535, { error: `expected ${what}: a whole number from 1 to 65535` });

const annotations = z.record(
  z.string().regex(ANNOTATION_KEY_PATTERN, {
    error: 'expected an annotation key: an optional DNS prefix and /, then letters, digits, ., _ and - (such as gantry.dev/owner)',
  }),
  z.string({ error: 'expected a string (quote numbers and booleans: "true")' }),
  { error: 'expected a mapping of annotation keys to strings' },
);

const stringList = (what: string) => z.array(z.string({ error: `expected ${what}` }), { error: `expected a list of ${what}s` });

const limits = z.strictObject({
  cpu: z
    .string({ error: 'expected a CPU amount as a string, such as "0.5" or 250m' })
    .regex(CPU_PATTERN, { error: 'expected a CPU amount such as "0.5", "2" or 250m' })
    .optional(),
  memory: z
    .string({ error: 'expected a memory amount such as 128Mi or 1Gi' })
    .regex(MEMORY_PATTERN, { error: 'expected a memory amount such as 128Mi, 1Gi or 500M' })
    .optional(),
});

const probe = z
  .strictObject({
    httpGet: z
      .strictObject({
        path: z.string({ error: 'expected the path of the HTTP probe, such as /readyz' }).startsWith('/', {
          error: 'expected a path starting with /',
        }),
        port: port('the port the probe connects to'),
        scheme: z.enum(['HTTP', 'HTTPS'], { error: 'expected HTTP or HTTPS' }).optional(),
        host: text('a host name').optional(),
      })
      .optional(),
    exec: z
      .strictObject({ command: stringList('a command argument').min(1, { error: 'expected at least one command argument' }) })
      .optional(),
  })
  .refine((p) => p.httpGet !== undefined || p.exec !== undefined, { error: 'expected httpGet or exec' });

const file = z
  .strictObject({
    target: text('the path of the file in the container'),
    mode: z
      .string({ error: 'expected an octal file mode as a string, such as "0644"' })
      .regex(FILE_MODE_PATTERN, { error: 'expected an octal file mode such as "0644"' })
      .optional(),
    content: z.string({ error: 'expected the file content as a string' }).optional(),
    source: text('a path to the file content, relative to the Score file').optional(),
    noExpand: z.boolean({ error: 'expected true or false' }).optional(),
  })
  .refine((f) => (f.content === undefined) !== (f.source === undefined), { error: 'expected exactly one of content or source' });

const volume = z.strictObject({
  source: text('${resources.NAME} naming a volume resource'),
  target: text('the path to mount the volume at'),
  path: text('a sub path inside the volume').optional(),
  readOnly: z.boolean({ error: 'expected true or false' }).optional(),
});

export const containerSchema = z.strictObject({
  image: text('an image reference, or . for the artifact this repository builds'),
  command: stringList('a command argument').optional(),
  args: stringList('an argument').optional(),
  variables: z
    .record(
      z.string().regex(/^[^=]+$/, { error: 'expected an environment variable name without =' }),
      z.string({ error: 'expected a string (quote numbers and booleans: "8080", "true")' }),
      { error: 'expected a mapping of environment variable names to strings' },
    )
    .optional(),
  files: z.array(file, { error: 'expected a list of files' }).optional(),
  volumes: z.array(volume, { error: 'expected a list of volumes' }).optional(),
  resources: z.strictObject({ requests: limits.optional(), limits: limits.optional() }).optional(),
  livenessProbe: probe.optional(),
  readinessProbe: probe.optional(),
});

export const resourceSchema = z.strictObject({
  // Whether Gantry supports the type is checked after the schema, with its own message (score.ts).
  type: text('a resource type, such as postgres'),
  class: z.string({ error: 'expected a class name' }).regex(CLASS_PATTERN, { error: 'expected a class name of 2-63 letters, digits and -' }).optional(),
  id: z.string({ error: 'expected a resource id' }).regex(ID_PATTERN, { error: 'expected a resource id of lowercase labels separated by .' }).optional(),
  metadata: z.looseObject({ annotations: annotations.optional() }, { error: 'expected a mapping' }).optional(),
  params: z.record(z.string(), z.unknown(), { error: 'expected a mapping of parameters' }).optional(),
});

export const scoreSchema = z.strictObject({
  apiVersion: z.literal('score.dev/v1b1', { error: 'expected score.dev/v1b1' }),
  metadata: z.looseObject(
    { name: name('a workload name'), annotations: annotations.optional() },
    { error: 'expected a mapping with the workload name' },
  ),
  service: z
    .strictObject({
      ports: z
        .record(
          name('a port name'),
          z.strictObject({
            port: port('the service port'),
            targetPort: port('the port the container listens on').optional(),
            protocol: z.enum(['TCP', 'UDP'], { error: 'expected TCP or UDP' }).optional(),
          }),
          { error: 'expected a mapping of port names to ports' },
        )
        .optional(),
    })
    .optional(),
  containers: z
    .record(name('a container name'), containerSchema, { error: 'expected a mapping of container names to containers' })
    .refine((c) => Object.keys(c).length > 0, { error: 'expected at least one container, found none' }),
  resources: z.record(name('a resource name'), resourceSchema, { error: 'expected a mapping of resource names to resources' }).optional(),
});

export type ScoreFile = z.infer<typeof scoreSchema>;
