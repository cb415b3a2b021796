import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../core/errors.js';
import { ADMISSION_ACTIONS, complianceCsv, createPolicyEngine, packOf, type AdmissionInput, type Policy } from '../../policy/index.js';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json, Limit } from '../schemas.js';

const PolicySummarySchema = z
  .object({
    name: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    mode: z.string(),
    pack: z.string().nullable(),
    actions: z.array(z.string()),
    validations: z.number(),
    source: z.string(),
  })
  .openapi('PolicySummary');

const DecisionSchema = z
  .looseObject({ id: z.string(), time: z.string(), policy: z.string(), action: z.string(), subject: z.string(), result: z.string(), messages: z.array(z.string()), inputDigest: z.string() })
  .openapi('PolicyDecision');
const ExemptionSchema = z
  .looseObject({ id: z.string(), subject: z.string(), policy: z.string(), reason: z.string(), status: z.string(), expiresAt: z.string() })
  .openapi('PolicyExemption');

interface Listed {
  policy: Policy;
  source: string;
}

function summary({ policy, source }: Listed) {
  return {
    name: policy.metadata.name,
    title: policy.metadata.title ?? null,
    description: policy.metadata.description ?? null,
    mode: policy.spec.mode,
    pack: packOf(policy) ?? null,
    actions: [...policy.spec.match.actions],
    validations: policy.spec.validations.length,
    source,
  };
}

/** The policies the platform knows: the built-in packs and Policy entities of the catalog (docs/policy.md). */
export function policyRoutes(app: Api, deps: ServerDeps): void {
  /** The active policies: built-in packs not switched off, and the catalog's Policy entities. */
  const all = (): Promise<Listed[]> => deps.policy.policies();
  const engine = createPolicyEngine();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/policies',
      tags: ['policy'],
      summary: 'Policies: the built-in packs and the Policy entities of the catalog',
      responses: { 200: json(z.object({ items: z.array(PolicySummarySchema) }), 'Policies'), ...errorResponses },
    }),
    async (c) => c.json({ items: (await all()).map(summary) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/policies/{name}',
      tags: ['policy'],
      summary: 'One policy with its match, variables and validations',
      request: { params: z.object({ name: z.string().min(1).max(253).openapi({ param: { name: 'name', in: 'path' } }) }) },
      responses: { 200: json(PolicySummarySchema.extend({ policy: z.looseObject({}), recentDecisions: z.array(DecisionSchema) }), 'The policy'), ...errorResponses },
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      const found = (await all()).find((l) => l.policy.metadata.name === name);
      if (!found) throw new NotFoundError(`no policy named "${name}" (see gantry policy list)`);
      const recent = await deps.policy.listDecisions({ policy: name, limit: 20 });
      return c.json(
        { ...summary(found), policy: { apiVersion: found.policy.apiVersion, kind: found.policy.kind, metadata: found.policy.metadata, spec: found.policy.spec }, recentDecisions: recent.items } as never,
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/policies/evaluate',
      tags: ['policy'],
      summary: "Evaluate the platform's active policies against one input (nothing is recorded)",
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({
                action: z.enum(ADMISSION_ACTIONS),
                input: z.object({ subject: z.looseObject({ ref: z.string() }), actor: z.looseObject({}).optional(), object: z.looseObject({}) }),
                now: z.string().datetime().optional(),
              }),
            },
          },
        },
      },
      responses: { 200: json(z.object({ allowed: z.boolean(), decisions: z.array(z.looseObject({})) }), 'The decisions'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const p = c.get('principal');
      const subject = { kind: '', namespace: 'default', name: '', labels: {}, annotations: {}, tags: [], spec: {}, ...body.input.subject };
      const input = { subject, actor: body.input.actor ?? { ref: p.userRef, role: p.role, teams: p.teams }, object: body.input.object } as unknown as AdmissionInput;
      const a = engine.admit((await all()).map((l) => l.policy), body.action, input, body.now ? { now: new Date(body.now) } : {});
      return c.json({ allowed: a.allowed, decisions: a.decisions } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/policy-decisions',
      tags: ['policy'],
      summary: 'Recorded decisions, newest first (page with before=<last id>)',
      request: {
        query: z.object({
          policy: z.string().max(253).optional(),
          subject: z.string().max(500).optional(),
          action: z.string().max(100).optional(),
          result: z.enum(['allow', 'deny', 'warn', 'audit', 'exempt']).optional(),
          limit: Limit,
          before: z.string().max(100).optional(),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(DecisionSchema), nextCursor: z.string().nullable() }), 'Decisions'), ...errorResponses },
    }),
    async (c) => c.json((await deps.policy.listDecisions(c.req.valid('query'))) as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/exemptions',
      tags: ['policy'],
      summary: 'Policy exemptions (status requested, active, expired, rejected, revoked)',
      request: { query: z.object({ subject: z.string().max(500).optional(), policy: z.string().max(253).optional(), status: z.enum(['requested', 'active', 'expired', 'rejected', 'revoked']).optional() }) },
      responses: { 200: json(z.object({ items: z.array(ExemptionSchema) }), 'Exemptions'), ...errorResponses },
    }),
    async (c) => c.json({ items: await deps.policy.listExemptions(c.req.valid('query')) } as never, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/exemptions',
      tags: ['policy'],
      summary: 'Ask for an exemption: one policy, one subject, a reason and an expiry (an admin other than you approves it)',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ subject: z.string().min(1).max(500), policy: z.string().min(1).max(253), reason: z.string().min(1).max(2000), expiresAt: z.string().min(1).max(40) }),
            },
          },
        },
      },
      responses: { 201: json(ExemptionSchema, 'The exemption, requested'), ...errorResponses },
    }),
    async (c) => c.json((await deps.policy.requestExemption(c.get('principal'), c.req.valid('json'))) as never, 201),
  );

  for (const verb of ['approve', 'reject', 'revoke'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/api/exemptions/{id}/${verb}`,
        tags: ['policy'],
        summary: verb === 'revoke' ? 'Revoke an exemption (its requester or an admin)' : `${verb === 'approve' ? 'Approve' : 'Reject'} a requested exemption (an admin other than the requester)`,
        request: { params: z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) }) },
        responses: { 200: json(ExemptionSchema, 'The exemption'), ...errorResponses },
      }),
      async (c) => {
        const id = c.req.valid('param').id;
        const p = c.get('principal');
        const view = verb === 'revoke' ? await deps.policy.revokeExemption(p, id) : await deps.policy.decideExemption(p, id, verb);
        return c.json(view as never, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/compliance',
      tags: ['policy'],
      summary: 'Compliance report: every control per component, pass/fail/exempt with its evidence (JSON, or CSV with format=csv)',
      request: { query: z.object({ team: z.string().max(300).optional(), component: z.string().max(300).optional(), format: z.enum(['json', 'csv']).optional() }) },
      responses: { 200: json(z.looseObject({ summary: z.looseObject({}), rows: z.array(z.looseObject({})) }).openapi('ComplianceReport'), 'The report'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const report = await deps.policy.compliance({ ...(q.team ? { team: q.team } : {}), ...(q.component ? { component: q.component } : {}) });
      if (q.format === 'csv') {
        return c.body(complianceCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="compliance.csv"' }) as never;
      }
      return c.json(report as never, 200);
    },
  );
}
