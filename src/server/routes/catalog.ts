import { createRoute, z } from '@hono/zod-openapi';
import { parseFilter, type RelationType } from '../../catalog/index.js';
import type { Api, ServerDeps } from '../context.js';
import {
  EntityViewSchema,
  LocationSchema,
  Limit,
  ProblemSchema,
  QueryBool,
  QueryList,
  RefreshResultSchema,
  errorResponses,
  json,
} from '../schemas.js';

const tags = ['catalog'];
const RefParams = z.object({
  kind: z.string().min(1).openapi({ param: { name: 'kind', in: 'path' }, example: 'component' }),
  namespace: z.string().min(1).openapi({ param: { name: 'namespace', in: 'path' }, example: 'default' }),
  name: z.string().min(1).openapi({ param: { name: 'name', in: 'path' }, example: 'payments-api' }),
});
const refOf = (p: { kind: string; namespace: string; name: string }) => `${p.kind}:${p.namespace}/${p.name}`;

const RELATIONS = [
  'ownedBy', 'ownerOf', 'partOf', 'hasPart', 'dependsOn', 'dependencyOf', 'providesApi', 'apiProvidedBy',
  'consumesApi', 'apiConsumedBy', 'memberOf', 'hasMember', 'parentOf', 'childOf',
] as const;

const EntityPage = z.object({
  items: z.array(EntityViewSchema),
  totalCount: z.number(),
  nextCursor: z.string().nullable(),
});

const RegisterBody = z.union([
  z.object({ yaml: z.string().max(10 * 1024 * 1024), file: z.string().optional() }),
  z.object({ entities: z.array(z.record(z.string(), z.unknown())).min(1).max(5000) }),
]);

const LocationBody = z.object({
  target: z.string().min(1).max(4096),
  type: z.enum(['file', 'dir', 'git']).optional(),
  owner: z.string().nullable().optional(),
  onMissing: z.enum(['delete', 'orphan']).optional(),
  refreshIntervalS: z.number().int().min(10).nullable().optional(),
});

const LocationWithRefresh = z.object({ location: LocationSchema, refresh: RefreshResultSchema });

/** Catalog routes: a thin mapping of HTTP onto the catalog service. */
export function catalogRoutes(app: Api, deps: ServerDeps): void {
  const { catalog } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/catalog/entities',
      tags,
      summary: 'List entities with filters, full-text search, sorting and paging',
      request: {
        query: z.object({
          filter: QueryList.openapi({ description: 'key=value[,value]; repeat to AND', example: 'kind=component' }),
          q: z.string().max(200).optional(),
          orderBy: z.string().max(100).optional(),
          order: z.enum(['asc', 'desc']).optional(),
          limit: Limit,
          cursor: z.string().max(2000).optional(),
        }),
      },
      responses: { 200: json(EntityPage, 'A page of entities'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await catalog.listEntities({
        filter: (q.filter ?? []).map(parseFilter),
        q: q.q,
        orderBy: q.orderBy,
        order: q.order,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.json(page as z.infer<typeof EntityPage>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/catalog/entities/by-ref/{kind}/{namespace}/{name}',
      tags,
      summary: 'Get one entity with its relations, status and source',
      request: { params: RefParams },
      responses: { 200: json(EntityViewSchema, 'The entity'), ...errorResponses },
    }),
    async (c) => c.json((await catalog.getEntity(refOf(c.req.valid('param')))) as z.infer<typeof EntityViewSchema>, 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/catalog/entities/by-ref/{kind}/{namespace}/{name}',
      tags,
      summary: 'Delete an entity',
      request: { params: RefParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses },
    }),
    async (c) => {
      await catalog.deleteEntity(c.get('principal'), refOf(c.req.valid('param')));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/catalog/entities',
      tags,
      summary: 'Register or update entities directly (queryable in final form when the call returns)',
      request: { body: { content: { 'application/json': { schema: RegisterBody } }, required: true } },
      responses: {
        200: json(z.object({ items: z.array(EntityViewSchema), problems: z.array(ProblemSchema) }), 'Registered'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const r = await catalog.registerEntities(c.get('principal'), c.req.valid('json'));
      return c.json(r as { items: z.infer<typeof EntityViewSchema>[]; problems: z.infer<typeof ProblemSchema>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/catalog/facets',
      tags,
      summary: 'Counts per value of the given fields, under the same filters as the list',
      request: {
        query: z.object({
          facet: QueryList.openapi({ example: 'spec.type' }),
          filter: QueryList,
          q: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: json(
          z.object({ facets: z.record(z.string(), z.array(z.object({ value: z.string(), count: z.number() }))) }),
          'Facet counts',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const facets = await catalog.facets({ facets: q.facet ?? [], filter: (q.filter ?? []).map(parseFilter), q: q.q });
      return c.json({ facets }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/catalog/related',
      tags,
      summary: 'Entities related to one, optionally transitively (e.g. everything that depends on a component)',
      request: {
        query: z.object({
          ref: z.string().min(1),
          relation: z.enum(RELATIONS),
          transitive: QueryBool,
          includeSubgroups: QueryBool,
        }),
      },
      responses: { 200: json(z.object({ items: z.array(EntityViewSchema) }), 'Related entities'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await catalog.related({
        ref: q.ref,
        relation: q.relation as RelationType,
        transitive: q.transitive ?? false,
        includeSubgroups: q.includeSubgroups ?? false,
      });
      return c.json({ items } as { items: z.infer<typeof EntityViewSchema>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/catalog/graph',
      tags,
      summary: 'The relation graph around an entity',
      request: { query: z.object({ ref: z.string().min(1), depth: z.coerce.number().int().min(1).max(4).optional() }) },
      responses: {
        200: json(
          z.object({
            nodes: z.array(z.object({ ref: z.string(), kind: z.string(), name: z.string(), title: z.string().optional() })),
            edges: z.array(z.object({ source: z.string(), type: z.string(), target: z.string() })),
          }),
          'Nodes and edges',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await catalog.graph({ ref: q.ref, depth: q.depth ?? 1 }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/catalog/validate',
      tags,
      summary: 'Validate descriptor YAML without storing anything (for other CI systems)',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ yaml: z.string().max(10 * 1024 * 1024), file: z.string().max(1000).optional() }),
            },
          },
          required: true,
        },
      },
      responses: {
        200: json(z.object({ valid: z.boolean(), problems: z.array(ProblemSchema), entities: z.number() }), 'Result'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const r = catalog.validate(body.yaml, body.file ?? 'input.yaml');
      return c.json({ valid: !r.problems.some((p) => p.severity !== 'warning'), ...r }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/catalog/locations',
      tags,
      summary: 'List locations (sources of entities) with their status',
      responses: { 200: json(z.object({ items: z.array(LocationSchema) }), 'Locations'), ...errorResponses },
    }),
    async (c) => c.json({ items: await catalog.listLocations() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/catalog/locations',
      tags,
      summary: 'Register a location (file, directory or git URL); ingested when the call returns',
      request: { body: { content: { 'application/json': { schema: LocationBody } }, required: true } },
      responses: { 201: json(LocationWithRefresh, 'Registered and refreshed'), ...errorResponses },
    }),
    async (c) => c.json(await catalog.addLocation(c.get('principal'), c.req.valid('json')), 201),
  );

  const IdParam = z.object({ id: z.string().min(1).max(100).openapi({ param: { name: 'id', in: 'path' } }) });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/catalog/locations/{id}',
      tags,
      summary: 'Get a location',
      request: { params: IdParam },
      responses: { 200: json(LocationSchema, 'The location'), ...errorResponses },
    }),
    async (c) => c.json(await catalog.getLocation(c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/catalog/locations/{id}/refresh',
      tags,
      summary: 'Refresh a location now',
      request: { params: IdParam },
      responses: { 200: json(LocationWithRefresh, 'Refreshed'), ...errorResponses },
    }),
    async (c) => c.json(await catalog.refreshLocation(c.get('principal'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/catalog/locations/{id}',
      tags,
      summary: 'Remove a location and its entities',
      request: { params: IdParam },
      responses: { 204: { description: 'Removed' }, ...errorResponses },
    }),
    async (c) => {
      await catalog.removeLocation(c.get('principal'), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
}
