import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../src/platform.js';
import { DATABASES, dropSchema } from '../helpers/databases.js';

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-a }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-b }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: alice }
spec: { memberOf: [team-a] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: bob }
spec: { memberOf: [team-b] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: carol }
spec: { memberOf: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: svc-a, description: Settles card payments }
spec: { type: service, lifecycle: production, owner: team-a, dependsOn: [component:svc-b] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: svc-b }
spec: { type: service, lifecycle: production, owner: team-b }
`;

describe.each(DATABASES)('HTTP API on $name', (database) => {
  let platform: Platform;
  let dir: string;
  let dbOptions: { databaseUrl?: string; pgSchema?: string };
  const tokens: Record<string, string> = {};

  async function call(method: string, path: string, token: string | null | undefined, body?: unknown) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(platform.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? JSON.parse(text) : null };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-api-'));
    dbOptions = database.options();
    platform = await startPlatform({ workspaceDir: dir, port: 0, seedSample: false, quiet: true, ...dbOptions });
    tokens.admin = platform.adminToken;
    const reg = await call('POST', '/api/catalog/entities', tokens.admin, { yaml: ORG, file: 'org.yaml' });
    expect(reg.status).toBe(200);
    expect(reg.body.problems.filter((p: { severity?: string }) => p.severity !== 'warning')).toEqual([]);
    for (const user of ['alice', 'bob', 'carol']) {
      const t = await call('POST', '/api/tokens', tokens.admin, { name: `${user}-test`, userRef: `user:default/${user}` });
      expect(t.status).toBe(201);
      tokens[user] = t.body.secret;
    }
  });

  afterAll(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
    if (dbOptions?.pgSchema) await dropSchema(dbOptions.pgSchema);
  });

  it('answers health and the OpenAPI document without a token', async () => {
    const h = await call('GET', '/api/health', null);
    expect(h.status).toBe(200);
    expect(h.body.dialect).toBe(database.name);
    const doc = await call('GET', '/api/openapi.json', null);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/catalog/entities', '/api/catalog/locations', '/api/tokens', '/api/events/stream', '/api/repos']),
    );
  });

  it('refuses requests without a valid token, as problem+json', async () => {
    const none = await call('GET', '/api/catalog/entities', null);
    expect(none.status).toBe(401);
    expect(none.type).toContain('application/problem+json');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.body).toMatchObject({ status: 401, code: 'not_authenticated', title: 'Not authenticated' });
    const bad = await call('GET', '/api/catalog/entities', 'gty_not-a-real-token');
    expect(bad.status).toBe(401);
  });

  it('works out roles and teams from the catalog', async () => {
    expect((await call('GET', '/api/whoami', tokens.admin)).body.role).toBe('admin');
    const alice = await call('GET', '/api/whoami', tokens.alice);
    expect(alice.body).toMatchObject({ userRef: 'user:default/alice', role: 'member', teams: ['group:default/team-a'] });
    expect((await call('GET', '/api/whoami', tokens.carol)).body.role).toBe('viewer');
  });

  it('shows a registered entity in its final, related form when the call returns', async () => {
    const e = await call('GET', '/api/catalog/entities/by-ref/component/default/svc-a', tokens.carol);
    expect(e.status).toBe(200);
    expect(e.body.relations).toEqual(
      expect.arrayContaining([
        { type: 'ownedBy', targetRef: 'group:default/team-a' },
        { type: 'dependsOn', targetRef: 'component:default/svc-b' },
      ]),
    );
    const owner = await call('GET', '/api/catalog/entities/by-ref/group/default/team-a', tokens.carol);
    expect(owner.body.relations).toEqual(expect.arrayContaining([{ type: 'ownerOf', targetRef: 'component:default/svc-a' }]));
  });

  it('filters, searches and counts facets', async () => {
    const list = await call('GET', '/api/catalog/entities?filter=kind=component&filter=spec.owner=group:default/team-a', tokens.carol);
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual(['svc-a']);
    const search = await call('GET', '/api/catalog/entities?q=settles', tokens.carol);
    expect(search.body.items.map((i: { name: string }) => i.name)).toEqual(['svc-a']);
    const facets = await call('GET', '/api/catalog/facets?facet=kind', tokens.carol);
    expect(facets.body.facets.kind).toEqual(
      expect.arrayContaining([
        { value: 'component', count: 2 },
        { value: 'user', count: 3 },
      ]),
    );
  });

  it('answers bad input with 422 and one problem per field', async () => {
    const r = await call('POST', '/api/catalog/locations', tokens.admin, { type: 'ftp' });
    expect(r.status).toBe(422);
    expect(r.type).toContain('application/problem+json');
    const paths = r.body.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['json.target', 'json.type']));
  });

  it('answers an unknown entity with 404 problem+json', async () => {
    const r = await call('GET', '/api/catalog/entities/by-ref/component/default/nope', tokens.admin);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('not_found');
  });

  it('lets nobody change what they do not own (fail closed)', async () => {
    // A viewer changes nothing.
    expect((await call('DELETE', '/api/catalog/entities/by-ref/component/default/svc-a', tokens.carol)).status).toBe(403);
    expect((await call('POST', '/api/catalog/locations', tokens.carol, { target: dir, owner: 'group:default/team-a' })).status).toBe(403);
    // A member of another team cannot touch team-a's component or register locations for team-a.
    const bob = await call('DELETE', '/api/catalog/entities/by-ref/component/default/svc-a', tokens.bob);
    expect(bob.status).toBe(403);
    expect(bob.body.detail).toContain('team-a');
    expect((await call('POST', '/api/catalog/locations', tokens.bob, { target: dir, owner: 'group:default/team-a' })).status).toBe(403);
    // Members cannot change the organisation.
    expect((await call('DELETE', '/api/catalog/entities/by-ref/group/default/team-a', tokens.alice)).status).toBe(403);
    expect((await call('POST', '/api/sample', tokens.alice)).status).toBe(403);
    // Nobody but an admin makes tokens for someone else.
    expect((await call('POST', '/api/tokens', tokens.alice, { name: 'x', userRef: 'user:default/bob' })).status).toBe(403);
    // Still there.
    expect((await call('GET', '/api/catalog/entities/by-ref/component/default/svc-a', tokens.carol)).status).toBe(200);
    // The owner may.
    expect((await call('DELETE', '/api/catalog/entities/by-ref/component/default/svc-b', tokens.bob)).status).toBe(204);
    expect((await call('GET', '/api/catalog/entities/by-ref/component/default/svc-b', tokens.bob)).status).toBe(404);
  });

  it('revokes tokens and never returns secrets or hashes', async () => {
    const made = await call('POST', '/api/tokens', tokens.alice, { name: 'short-lived', expiresInDays: 1 });
    expect(made.status).toBe(201);
    const list = await call('GET', '/api/tokens', tokens.alice);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(made.body.secret);
    expect(text).not.toContain('hash');
    expect((await call('GET', '/api/whoami', made.body.secret)).status).toBe(200);
    expect((await call('DELETE', `/api/tokens/${made.body.token.id}`, tokens.alice)).status).toBe(204);
    expect((await call('GET', '/api/whoami', made.body.secret)).status).toBe(401);
  });

  it('records every mutation as a hash-chained event, readable by subject', async () => {
    const ev = await call('GET', '/api/events?subject=component:default/svc-b', tokens.admin);
    const actions = ev.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['catalog.entity.created', 'catalog.entity.deleted']));
    const deleted = ev.body.items.find((e: { action: string }) => e.action === 'catalog.entity.deleted');
    expect(deleted.actor).toBe('user:default/bob');
    expect(deleted.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await platform.store.events.verify()).ok).toBe(true);
  });

  it('streams events live over SSE', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${platform.url}/api/events/stream?access_token=${encodeURIComponent(tokens.admin!)}`, { signal: ctrl.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    const readUntil = async (needle: string) => {
      while (!seen.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before "${needle}"`);
        seen += decoder.decode(value);
      }
    };
    // Wait for the stream to be subscribed before changing anything.
    await readUntil('event: ready');
    await call('POST', '/api/catalog/entities', tokens.admin, {
      entities: [{ apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'svc-live' }, spec: { type: 'service', lifecycle: 'experimental', owner: 'team-a' } }],
    });
    await readUntil('component:default/svc-live');
    ctrl.abort();
    expect(seen).toContain('component:default/svc-live');
  });
});
