/**
 * The platform's secret store for pipelines: values set through the API or CLI, encrypted at rest with
 * AES-256-GCM, scoped to a team (`group:default/x`) or `global`. A run resolves `{ secret: NAME }` from its
 * repository owner's scope, then global. Nothing here ever returns, logs or records a value except `resolve`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { authorize, type Principal } from '../../auth/authorize.js';
import { InputError, NotFoundError } from '../../core/errors.js';
import { nowIso } from '../../core/ids.js';
import type { Store } from '../../store/index.js';

export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_SECRET_BYTES = 64 * 1024;
export const GLOBAL_SCOPE = 'global';
const GROUP_REF = /^group:[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._-]*$/;
const GROUP_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;

type SecretTable = {
  scope: string;
  name: string;
  /** base64 of the 12-byte IV, the 16-byte GCM tag and the ciphertext. */
  iv: string;
  tag: string;
  ciphertext: string;
  updated_at: string;
  updated_by: string;
};

type SecretTables = { secrets: SecretTable };

/** What a listing shows: never the value. */
export interface SecretInfo {
  scope: string;
  name: string;
  updatedAt: string;
  updatedBy: string;
}

export interface SecretStore {
  /** Creates or replaces a secret. */
  set(p: Principal, scope: string, name: string, value: string): Promise<void>;
  /** Names, scopes and who changed them last (one scope, or every scope); never values. */
  list(scope?: string): Promise<SecretInfo[]>;
  delete(p: Principal, scope: string, name: string): Promise<void>;
  /** The value for a run of a repository owned by `ownerGroup`: that team's secret, else the global one. */
  resolve(ownerGroup: string | null, name: string): Promise<string | undefined>;
}

export interface SecretStoreOptions {
  store: Store;
  /** The key, base64 (32 bytes) or raw; takes precedence over `keyFile` (the platform passes GANTRY_SECRET_KEY). */
  key?: string | Buffer;
  /** Where the key is kept when none is given; created once (random, mode 0600) if missing. */
  keyFile?: string;
}

/** `global`, a group ref, or a bare group name (meaning `group:default/<name>`); lower-cased. */
export function normaliseScope(scope: string, path = 'scope'): string {
  const s = scope.trim().toLowerCase();
  if (s === GLOBAL_SCOPE) return s;
  const ref = GROUP_NAME.test(s) ? `group:default/${s}` : s;
  if (!GROUP_REF.test(ref)) {
    const message = `expected "global" or a group ref like group:default/team-a, found ${JSON.stringify(scope.slice(0, 80))}`;
    throw new InputError(`${path}: ${message}`, { problems: [{ code: 'invalid_scope', path, message }] });
  }
  return ref;
}

function checkName(name: string, path = 'name'): string {
  if (!SECRET_NAME.test(name)) {
    const message = `expected an upper-case name matching ${SECRET_NAME.source} (e.g. DEPLOY_TOKEN), found ${JSON.stringify(name.slice(0, 80))}`;
    throw new InputError(`${path}: ${message}`, { problems: [{ code: 'invalid_name', path, message }] });
  }
  return name;
}

function checkValue(value: unknown): string {
  const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : -1;
  if (bytes < 1 || bytes > MAX_SECRET_BYTES) {
    const found = typeof value !== 'string' ? typeof value : bytes === 0 ? 'an empty string' : `${bytes} bytes`;
    const message = `expected a non-empty string of at most ${MAX_SECRET_BYTES} bytes, found ${found}`;
    throw new InputError(`value: ${message}`, { problems: [{ code: 'invalid_value', path: 'value', message }] });
  }
  return value as string;
}

function decodeKey(key: string | Buffer, where: string): Buffer {
  const buf = typeof key === 'string' ? Buffer.from(key.trim(), 'base64') : key;
  if (buf.length !== KEY_BYTES) {
    throw new InputError(`${where}: expected a ${KEY_BYTES}-byte key, base64-encoded (e.g. \`openssl rand -base64 32\`), found ${buf.length} bytes`);
  }
  return buf;
}

/** Reads the key file, or creates it (exclusively, so two processes starting at once agree on one key). */
function loadKeyFile(file: string): Buffer {
  try {
    writeFileSync(file, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return decodeKey(readFileSync(file, 'utf8'), file);
}

/** The additional authenticated data: a ciphertext only decrypts under the scope and name it was stored as. */
function aad(scope: string, name: string): Buffer {
  return Buffer.from(`${scope}\0${name}`, 'utf8');
}

/** The platform's key: GANTRY_SECRET_KEY (base64) when given, else the workspace's key file (created once). */
export function loadPlatformKey(opts: { key?: string | Buffer; keyFile?: string }): Buffer {
  if (opts.key !== undefined && opts.key !== '') return decodeKey(opts.key, 'GANTRY_SECRET_KEY');
  if (opts.keyFile) return loadKeyFile(opts.keyFile);
  throw new InputError('expected a key or a keyFile');
}

export function createSecretStore(opts: SecretStoreOptions): SecretStore {
  const { store } = opts;
  const key = loadPlatformKey(opts);
  const db = () => store.db.withTables<SecretTables>();

  function encrypt(scope: string, name: string, value: string): Pick<SecretTable, 'iv' | 'tag' | 'ciphertext'> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(scope, name));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
  }

  function decrypt(row: SecretTable): string {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(row.iv, 'base64'));
      decipher.setAAD(aad(row.scope, row.name));
      decipher.setAuthTag(Buffer.from(row.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(row.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // Never the cause: it says nothing useful and must not carry key material.
      throw new InputError(
        `secret ${row.name} of ${row.scope} cannot be decrypted: it was stored with another key than this process has (GANTRY_SECRET_KEY or <workspace>/secret.key); set it again`,
      );
    }
  }

  return {
    async set(p, scopeIn, nameIn, valueIn) {
      const scope = normaliseScope(scopeIn);
      const name = checkName(nameIn);
      const value = checkValue(valueIn);
      authorize(p, 'secret.write', { owner: scope === GLOBAL_SCOPE ? null : scope });
      const row: SecretTable = { scope, name, ...encrypt(scope, name, value), updated_at: nowIso(), updated_by: p.userRef };
      await store.transaction(async (tx) => {
        await tx
          .withTables<SecretTables>()
          .insertInto('secrets')
          .values(row)
          .onConflict((oc) => oc.columns(['scope', 'name']).doUpdateSet({ iv: row.iv, tag: row.tag, ciphertext: row.ciphertext, updated_at: row.updated_at, updated_by: row.updated_by }))
          .execute();
        await store.events.append(tx, { actor: p.userRef, action: 'secret.set', subject: `secret:${scope}/${name}`, payload: { scope, name } });
      });
    },

    async list(scopeIn) {
      let q = db().selectFrom('secrets').select(['scope', 'name', 'updated_at', 'updated_by']).orderBy('scope').orderBy('name');
      if (scopeIn !== undefined) q = q.where('scope', '=', normaliseScope(scopeIn));
      return (await q.execute()).map((r) => ({ scope: r.scope, name: r.name, updatedAt: r.updated_at, updatedBy: r.updated_by }));
    },

    async delete(p, scopeIn, nameIn) {
      const scope = normaliseScope(scopeIn);
      const name = checkName(nameIn);
      authorize(p, 'secret.delete', { owner: scope === GLOBAL_SCOPE ? null : scope });
      await store.transaction(async (tx) => {
        const r = await tx.withTables<SecretTables>().deleteFrom('secrets').where('scope', '=', scope).where('name', '=', name).executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new NotFoundError(`no secret ${name} in ${scope}`);
        await store.events.append(tx, { actor: p.userRef, action: 'secret.deleted', subject: `secret:${scope}/${name}`, payload: { scope, name } });
      });
    },

    async resolve(ownerGroup, name) {
      if (!SECRET_NAME.test(name)) return undefined;
      const scopes = ownerGroup ? [ownerGroup.toLowerCase(), GLOBAL_SCOPE] : [GLOBAL_SCOPE];
      const rows = await db().selectFrom('secrets').selectAll().where('name', '=', name).where('scope', 'in', scopes).execute();
      for (const scope of scopes) {
        const row = rows.find((r) => r.scope === scope);
        if (row) return decrypt(row);
      }
      return undefined;
    },
  };
}
