import { z } from '@hono/zod-openapi';

/** Schemas shared by routes: they validate requests and generate /api/openapi.json. */

export const ProblemSchema = z
  .object({
    code: z.string(),
    path: z.string(),
    message: z.string(),
    severity: z.enum(['error', 'warning']).optional(),
    position: z.object({ file: z.string(), line: z.number(), column: z.number() }).optional(),
  })
  .openapi('Problem');

export const ProblemDetailsSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    problems: z.array(ProblemSchema).optional(),
  })
  .openapi('ProblemDetails');

export const RelationSchema = z.object({ type: z.string(), targetRef: z.string() }).openapi('Relation');

export const EntityViewSchema = z
  .object({
    ref: z.string().openapi({ example: 'component:default/payments-api' }),
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    entity: z.record(z.string(), z.unknown()),
    relations: z.array(RelationSchema),
    status: z.object({ problems: z.array(ProblemSchema) }),
    source: z
      .object({
        locationId: z.string(),
        locationTarget: z.string(),
        file: z.string().nullable(),
        line: z.number().nullable(),
      })
      .nullable(),
    orphan: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('EntityView');

export const LocationSchema = z
  .object({
    id: z.string(),
    type: z.enum(['file', 'dir', 'git']),
    target: z.string(),
    owner: z.string().nullable(),
    onMissing: z.enum(['delete', 'orphan']),
    refreshIntervalS: z.number().nullable(),
    status: z.enum(['pending', 'ok', 'error']),
    problems: z.array(ProblemSchema),
    lastRefreshedAt: z.string().nullable(),
    nextRefreshAt: z.string().nullable(),
    createdAt: z.string(),
    createdBy: z.string(),
    entityCount: z.number(),
  })
  .openapi('Location');

export const RefreshResultSchema = z
  .object({
    added: z.number(),
    updated: z.number(),
    removed: z.number(),
    orphaned: z.number(),
    unchanged: z.number(),
    problems: z.array(ProblemSchema),
  })
  .openapi('RefreshResult');

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    userRef: z.string(),
    role: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi('Token');

export const EventSchema = z
  .object({
    seq: z.number(),
    id: z.string(),
    time: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    payload: z.unknown(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('Event');

export const JobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    payload: z.unknown(),
    status: z.string(),
    priority: z.number(),
    attempts: z.number(),
    maxAttempts: z.number(),
    runAt: z.string(),
    leaseOwner: z.string().nullable(),
    leaseExpiresAt: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    lastError: z.string().nullable(),
    result: z.unknown(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('Job');

/** Query-string booleans: `true`/`false`/`1`/`0`. */
export const QueryBool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

/** A query parameter that may be repeated (`?filter=a&filter=b`). */
export const QueryList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .optional();

export const Limit = z.coerce.number().int().min(1).max(500).optional();

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

export const errorResponses = {
  400: { content: { 'application/problem+json': { schema: ProblemDetailsSchema } }, description: 'Invalid input' },
  401: { content: { 'application/problem+json': { schema: ProblemDetailsSchema } }, description: 'Not authenticated' },
  403: { content: { 'application/problem+json': { schema: ProblemDetailsSchema } }, description: 'Not allowed' },
  404: { content: { 'application/problem+json': { schema: ProblemDetailsSchema } }, description: 'Not found' },
  409: { content: { 'application/problem+json': { schema: ProblemDetailsSchema } }, description: 'Conflict' },
  422: { content: { 'application/problem+json': { schema: ProblemDetailsSchema } }, description: 'Validation failed' },
} as const;
