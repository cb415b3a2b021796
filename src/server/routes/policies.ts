import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../core/errors.js';
import { builtInPolicies, packOf, type Policy } from '../../policy/index.js';
import type { Api, ServerDeps } from '../context.js';
import { errorResponses, json } from '../schemas.js';

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
  async function all(): Promise<Listed[]> {
    const out: Listed[] = builtInPolicies().map((policy) => ({ policy, source: 'built-in' }));
    let cursor: string | undefined;
    do {
      const page = await deps.catalog.listEntities({ filter: [{ key: 'kind', values: ['policy'] }], limit: 500, ...(cursor ? { cursor } : {}) });
      for (const e of page.items) out.push({ policy: e.entity as unknown as Policy, source: e.ref });
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out.sort((a, b) => a.policy.metadata.name.localeCompare(b.policy.metadata.name));
  }

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
      responses: { 200: json(PolicySummarySchema.extend({ policy: z.looseObject({}) }), 'The policy'), ...errorResponses },
    }),
    async (c) => {
      const name = c.req.valid('param').name;
      const found = (await all()).find((l) => l.policy.metadata.name === name);
      if (!found) throw new NotFoundError(`no policy named "${name}" (see gantry policy list)`);
      return c.json({ ...summary(found), policy: { apiVersion: found.policy.apiVersion, kind: found.policy.kind, metadata: found.policy.metadata, spec: found.policy.spec } } as never, 200);
    },
  );
}
