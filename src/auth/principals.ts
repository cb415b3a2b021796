import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import type { Principal, Role } from './authorize.js';

/**
 * Works out a user's role and teams from the role bindings and the catalog: the groups the user is a
 * member of (memberOf relations) and all their descendant groups (parentOf, transitively). A user with no
 * binding and no team is a viewer. `ceiling` (a token's role) can only lower the result.
 */
export async function resolvePrincipal(store: Store, userRef: string, ceiling: Role | null = null): Promise<Principal> {
  const ref = userRef.toLowerCase();
  const binding = await store.db
    .selectFrom('role_bindings')
    .select('role')
    .where('user_ref', '=', ref)
    .executeTakeFirst();
  let role: Role = binding?.role === 'admin' ? 'admin' : 'viewer';
  let teams: string[] = [];
  if (binding?.role !== 'admin' && binding?.role !== 'viewer') {
    const rows = await sql<{ ref: string }>`
      with recursive team(ref) as (
        select target_ref from relations where source_ref = ${ref} and type = 'memberOf'
        union
        select r.target_ref from relations r join team t on r.source_ref = t.ref where r.type = 'parentOf'
      )
      select ref from team`.execute(store.db);
    teams = rows.rows.map((r) => r.ref).sort();
    if (teams.length > 0) role = 'member';
  }
  if (ceiling === 'viewer') return { userRef: ref, role: 'viewer', teams: [] };
  return { userRef: ref, role, teams: role === 'member' ? teams : [] };
}
