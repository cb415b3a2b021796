import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';
import { InputError, NotAuthenticatedError, NotFoundError } from '../core/errors.js';
import { newId, newSecret, nowIso } from '../core/ids.js';
import { authorize, type Principal, type Role } from './authorize.js';
import { resolvePrincipal } from './principals.js';

/** A token as the API shows it: never the secret, never the hash. */
export interface TokenView {
  id: string;
  name: string;
  userRef: string;
  role: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** The built-in administrator that `gantry up` creates a token for on first start. */
export const BOOTSTRAP_ADMIN = 'user:default/admin';

const PREFIX = 'gty_';
const USER_REF = /^user:[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._-]*$/;

/** sha256 of a token secret: what the store keeps. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface CreateTokenInput {
  name: string;
  expiresInDays?: number | null;
  userRef?: string;
  role?: 'viewer' | null;
}

export interface TokenService {
  create(p: Principal, input: CreateTokenInput): Promise<{ token: TokenView; secret: string }>;
  list(p: Principal, opts?: { all?: boolean }): Promise<TokenView[]>;
  revoke(p: Principal, id: string): Promise<void>;
  /** Turns a presented secret into a principal; NotAuthenticatedError when unknown, revoked or expired. */
  authenticate(secret: string): Promise<Principal>;
  /** Binds the bootstrap admin role and mints an admin token (first start, or when the old one is gone). */
  bootstrapAdmin(): Promise<string>;
}

function view(r: {
  id: string;
  name: string;
  user_ref: string;
  role: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}): TokenView {
  return {
    id: r.id,
    name: r.name,
    userRef: r.user_ref,
    role: r.role,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

/** How long a resolved principal is reused before memberships are read again. */
const PRINCIPAL_TTL_MS = 5_000;

export function createTokenService(store: Store): TokenService {
  const cache = new Map<string, { principal: Principal; tokenId: string; until: number }>();
  const inFlight = new Map<string, Promise<Principal>>();

  async function insertToken(actor: string, userRef: string, name: string, expiresAt: string | null, role: string | null) {
    const secret = PREFIX + newSecret(32);
    const row = {
      id: newId(),
      user_ref: userRef,
      name,
      hash: hashToken(secret),
      role,
      created_at: nowIso(),
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
      created_by: actor,
    };
    await store.transaction(async (tx) => {
      await tx.insertInto('tokens').values(row).execute();
      await store.events.append(tx, {
        actor,
        action: 'auth.token.created',
        subject: userRef,
        payload: { tokenId: row.id, name, expiresAt, role },
      });
    });
    return { token: view(row), secret };
  }

  async function lookup(hash: string): Promise<Principal> {
    const row = await store.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
    if (!row) throw new NotAuthenticatedError('unknown token');
    if (row.revoked_at) throw new NotAuthenticatedError('the token was revoked');
    const now = nowIso();
    if (row.expires_at && row.expires_at <= now) throw new NotAuthenticatedError(`the token expired at ${row.expires_at}`);
    const principal = await resolvePrincipal(store, row.user_ref, row.role as Role | null);
    cache.set(hash, { principal, tokenId: row.id, until: Date.now() + PRINCIPAL_TTL_MS });
    if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > 60_000) {
      await store.db.updateTable('tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    }
    return principal;
  }

  return {
    async create(p, input) {
      const userRef = (input.userRef ?? p.userRef).toLowerCase();
      if (!USER_REF.test(userRef)) {
        throw new InputError(`userRef: expected a user ref like user:default/jane, found "${input.userRef}"`, {
          problems: [{ code: 'invalid_ref', path: 'userRef', message: 'expected a user ref like user:default/jane' }],
        });
      }
      const name = input.name.trim();
      if (!name || name.length > 100) {
        throw new InputError('name: expected 1–100 characters', {
          problems: [{ code: 'invalid_value', path: 'name', message: 'expected 1–100 characters' }],
        });
      }
      authorize(p, 'token.create', { userRef });
      const days = input.expiresInDays === undefined ? 90 : input.expiresInDays;
      const expiresAt = days === null ? null : new Date(Date.now() + days * 86_400_000).toISOString();
      // A token never carries more than its creator holds: a viewer's token is a viewer token.
      const role = input.role ?? (p.role === 'viewer' && userRef === p.userRef ? 'viewer' : null);
      return insertToken(p.userRef, userRef, name, expiresAt, role);
    },

    async list(p, opts = {}) {
      let q = store.db.selectFrom('tokens').selectAll().orderBy('created_at', 'desc');
      if (!(opts.all && p.role === 'admin')) q = q.where('user_ref', '=', p.userRef);
      return (await q.execute()).map(view);
    },

    async revoke(p, id) {
      const row = await store.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError(`no token with id ${id}`);
      authorize(p, 'token.revoke', { userRef: row.user_ref });
      if (row.revoked_at) return;
      await store.transaction(async (tx) => {
        await tx.updateTable('tokens').set({ revoked_at: nowIso() }).where('id', '=', id).execute();
        await store.events.append(tx, {
          actor: p.userRef,
          action: 'auth.token.revoked',
          subject: row.user_ref,
          payload: { tokenId: id, name: row.name },
        });
      });
      for (const [k, v] of cache) if (v.tokenId === id) cache.delete(k);
    },

    async authenticate(secret) {
      if (!secret.startsWith(PREFIX)) throw new NotAuthenticatedError('the token is not a Gantry API token');
      const hash = hashToken(secret);
      const hit = cache.get(hash);
      if (hit && hit.until > Date.now()) return hit.principal;
      // Concurrent requests with one token share one lookup instead of each reading (and writing) the store.
      let pending = inFlight.get(hash);
      if (!pending) {
        pending = lookup(hash).finally(() => inFlight.delete(hash));
        inFlight.set(hash, pending);
      }
      return pending;
    },

    async bootstrapAdmin() {
      await store.transaction(async (tx) => {
        const existing = await tx
          .selectFrom('role_bindings')
          .select('role')
          .where('user_ref', '=', BOOTSTRAP_ADMIN)
          .executeTakeFirst();
        if (existing) return;
        await tx.insertInto('role_bindings').values({ user_ref: BOOTSTRAP_ADMIN, role: 'admin', created_at: nowIso() }).execute();
        await store.events.append(tx, {
          actor: 'system:gantry',
          action: 'auth.role.bound',
          subject: BOOTSTRAP_ADMIN,
          payload: { role: 'admin' },
        });
      });
      const { secret } = await insertToken('system:gantry', BOOTSTRAP_ADMIN, 'bootstrap admin (gantry up)', null, null);
      return secret;
    },
  };
}
