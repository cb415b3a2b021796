import { sql, type Kysely, type RawBuilder } from 'kysely';
import { InputError } from '../../core/errors.js';
import type { Database, Dialect } from '../../store/index.js';
import { RELATION_INVERSES, SPEC_REF_FIELDS, type RelationType } from '../model/index.js';
import { ENTITY_ROW_COLUMNS, toEntityViews, type EntityRow } from './loadEntityViews.js';
import type { EntityPage, EntityQuery, Filter } from './views.js';
import { COLUMN_FIELDS } from './deriveEntity.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
/** Facets list the most frequent values first; a field with more distinct values is cut here. */
export const MAX_FACET_VALUES = 1000;
/** Matches above which a SQLite list by name walks the name index (see listEntities). */
const WALK_INDEX_ABOVE = 1000;

const KEY_RE = /^[a-z0-9_.\-/:@]{1,200}$/;

function inputError(path: string, message: string): InputError {
  return new InputError(`${path}: ${message}`, { problems: [{ code: 'invalid_query', path, message, severity: 'error' }] });
}

/**
 * Parses one filter parameter: `spec.type=service,website` → `{ key: 'spec.type', values: ['service',
 * 'website'] }`. Keys and values are lower-cased (filters are case-insensitive). InputError on bad syntax.
 */
export function parseFilter(s: string): Filter {
  const eq = s.indexOf('=');
  if (eq <= 0) throw inputError('filter', `expected key=value[,value...], found ${JSON.stringify(s)}`);
  const key = s.slice(0, eq).trim().toLowerCase();
  const values = s
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v.length > 0);
  if (!KEY_RE.test(key)) throw inputError('filter', `expected a field path such as spec.type, found ${JSON.stringify(key)}`);
  if (values.length === 0) throw inputError('filter', `expected at least one value after "${key}=", found ${JSON.stringify(s)}`);
  return { key, values };
}

const RELATION_BY_LOWER = new Map<string, RelationType>(
  (Object.keys(RELATION_INVERSES) as RelationType[]).map((t) => [t.toLowerCase(), t]),
);

/** `relations.ownedBy` → `ownedBy`; InputError for an unknown relation type. */
export function relationOfKey(key: string): RelationType | null {
  if (!key.toLowerCase().startsWith('relations.')) return null;
  const t = RELATION_BY_LOWER.get(key.slice('relations.'.length).toLowerCase());
  if (!t) {
    throw inputError('filter', `expected relations.<type> with a type among ${Object.keys(RELATION_INVERSES).join(', ')}, found ${JSON.stringify(key)}`);
  }
  return t;
}

/** Checks a relation type name, case-insensitively. */
export function parseRelationType(name: string): RelationType {
  const t = RELATION_BY_LOWER.get(name.toLowerCase());
  if (!t) throw inputError('relation', `expected one of ${Object.keys(RELATION_INVERSES).join(', ')}, found ${JSON.stringify(name)}`);
  return t;
}

/** Default kind of each ref-valued spec field (`owner` → `group`), for filters written with short refs. */
const REF_FIELD_DEFAULT_KIND = new Map<string, string>();
for (const fields of Object.values(SPEC_REF_FIELDS)) {
  for (const f of fields) if (f.defaultKind) REF_FIELD_DEFAULT_KIND.set(`spec.${f.field.toLowerCase()}`, f.defaultKind);
}

/** A short ref value (`payments`, `default/payments`, `group:payments`) also matches its full form. */
function withFullRefs(values: string[], defaultKind: string | undefined): string[] {
  const out = new Set(values);
  for (const v of values) {
    const colon = v.indexOf(':');
    const slash = v.indexOf('/');
    const kind = colon !== -1 && (slash === -1 || colon < slash) ? v.slice(0, colon) : defaultKind;
    const rest = colon !== -1 && (slash === -1 || colon < slash) ? v.slice(colon + 1) : v;
    if (!kind) continue;
    out.add(rest.includes('/') ? `${kind}:${rest}` : `${kind}:default/${rest}`);
  }
  return [...out];
}

/** Terms of a free-text query: letters and digits only, so no input is a syntax error in FTS5 or tsquery. */
export function searchTerms(q: string | undefined): string[] {
  if (!q) return [];
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16).map((t) => t.slice(0, 64));
}

/** An FTS5 query of prefix terms, all required: `"pay"* "api"*`. */
function ftsQuery(terms: string[]): string {
  return terms.map((t) => `"${t}"*`).join(' ');
}

/** The WHERE conditions (over `entities e`) of filters and full text; each filter is one semi-join. */
export function entityConditions(dialect: Dialect, filter: Filter[] = [], q?: string): RawBuilder<unknown>[] {
  const conds: RawBuilder<unknown>[] = [];
  for (const f of filter) {
    const key = f.key.trim().toLowerCase();
    const values = [...new Set(f.values.map((v) => v.trim().toLowerCase()).filter(Boolean))];
    if (!KEY_RE.test(key)) throw inputError('filter', `expected a field path such as spec.type, found ${JSON.stringify(f.key)}`);
    if (values.length === 0) throw inputError('filter', `expected at least one value for ${key}, found none`);
    const rel = relationOfKey(key);
    if (rel) {
      const targets = withFullRefs(values, undefined);
      conds.push(sql`e.ref in (select r.source_ref from relations r where r.type = ${rel} and r.target_ref in (${sql.join(targets)}))`);
    } else if (COLUMN_FIELDS.has(key)) {
      const col = sql.ref(`e.${COLUMN_FIELDS.get(key)}`);
      conds.push(values.length === 1 ? sql`${col} = ${values[0]}` : sql`${col} in (${sql.join(values)})`);
    } else {
      const vals = REF_FIELD_DEFAULT_KIND.has(key) ? withFullRefs(values, REF_FIELD_DEFAULT_KIND.get(key)) : values;
      conds.push(sql`e.ref in (select f.ref from entity_fields f where f.key = ${key} and f.value in (${sql.join(vals)}))`);
    }
  }
  const terms = searchTerms(q);
  if (terms.length > 0) {
    if (dialect === 'postgres') {
      conds.push(sql`e.search_tsv @@ to_tsquery('simple', ${terms.map((t) => `${t}:*`).join(' & ')})`);
    } else {
      conds.push(sql`e.rowid in (select rowid from entities_fts where entities_fts match ${ftsQuery(terms)})`);
    }
  }
  return conds;
}

function whereOf(conds: RawBuilder<unknown>[]): RawBuilder<unknown> {
  return conds.length === 0 ? sql`` : sql`where ${sql.join(conds, sql` and `)}`;
}

/** The sort expression for an `orderBy` field path; ties are broken by ref. */
function sortExpression(orderBy: string): RawBuilder<unknown> {
  switch (orderBy) {
    case 'metadata.name':
    case 'name':
      return sql`e.name`;
    case 'kind':
      return sql`e.kind`;
    case 'metadata.namespace':
    case 'namespace':
      return sql`e.namespace`;
    case 'metadata.uid':
      return sql`e.uid`;
    case 'metadata.title':
      // Entities without a title sort by their name, as lists show the name in place of the title.
      return sql`coalesce((select min(f.value) from entity_fields f where f.ref = e.ref and f.key = 'metadata.title'), e.name)`;
    default:
      return sql`coalesce((select min(f.value) from entity_fields f where f.ref = e.ref and f.key = ${orderBy}), '')`;
  }
}

interface Cursor {
  o: string;
  d: 'asc' | 'desc';
  v: string;
  r: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

function decodeCursor(s: string, orderBy: string, order: 'asc' | 'desc'): Cursor {
  let c: Partial<Cursor> | null = null;
  try {
    c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    c = null;
  }
  if (!c || typeof c.v !== 'string' || typeof c.r !== 'string' || typeof c.o !== 'string') {
    throw inputError('cursor', 'expected a cursor returned by a previous page of this list, found something else');
  }
  if (c.o !== orderBy || c.d !== order) {
    throw inputError('cursor', `expected the same orderBy and order as the page it came from (${c.o} ${c.d}), found ${orderBy} ${order}`);
  }
  return c as Cursor;
}

/**
 * One page of entities: filters and full text as semi-joins, ordered by a field with the ref as tie-breaker,
 * keyset paging (the cursor holds the last row's sort value and ref), and the total count under the same
 * conditions (`knownTotal`, when the caller knows it is still current, saves counting again).
 */
export async function listEntities(
  db: Kysely<Database>,
  dialect: Dialect,
  q: EntityQuery,
  knownTotal?: number,
): Promise<EntityPage> {
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw inputError('limit', `expected an integer from 1 to ${MAX_LIMIT}, found ${String(q.limit)}`);
  }
  const orderBy = (q.orderBy ?? 'metadata.name').trim().toLowerCase();
  if (!KEY_RE.test(orderBy)) throw inputError('orderBy', `expected a field path such as metadata.name, found ${JSON.stringify(q.orderBy)}`);
  const order = q.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw inputError('order', `expected asc or desc, found ${JSON.stringify(order)}`);

  const conds = entityConditions(dialect, q.filter, q.q);
  const sortExpr = sortExpression(orderBy);
  const pageConds = [...conds];
  if (q.cursor) {
    const c = decodeCursor(q.cursor, orderBy, order);
    pageConds.push(order === 'asc' ? sql`(${sortExpr}, e.ref) > (${c.v}, ${c.r})` : sql`(${sortExpr}, e.ref) < (${c.v}, ${c.r})`);
  }
  const dir = order === 'asc' ? sql`asc` : sql`desc`;
  const terms = searchTerms(q.q);
  const onlyText = (q.filter ?? []).length === 0 && terms.length > 0;
  // Full text alone is counted in the FTS index itself, without visiting the matching rows.
  const countQuery =
    dialect === 'sqlite' && onlyText
      ? sql<{ n: number | string }>`select count(*) as n from entities_fts where entities_fts match ${ftsQuery(terms)}`
      : sql<{ n: number | string }>`select count(*) as n from entities e ${whereOf(conds)}`;
  const totalCount = knownTotal ?? Number((await countQuery.execute(db)).rows[0]?.n ?? 0);
  // SQLite plans without statistics of value frequencies: when many rows match, walking the name index and
  // stopping after one page beats fetching every match to sort it (the FTS case especially).
  const byName = orderBy === 'metadata.name' || orderBy === 'name';
  const hasKind = (q.filter ?? []).some((f) => f.key.trim().toLowerCase() === 'kind');
  const from =
    dialect === 'sqlite' && byName && !hasKind && totalCount > WALK_INDEX_ABOVE
      ? sql`entities e indexed by entities_name_ref`
      : sql`entities e`;
  const rowsQuery = sql<EntityRow & { sort_value: string }>`
    select ${ENTITY_ROW_COLUMNS}, ${sortExpr} as sort_value
    from ${from} left join locations l on l.id = e.location_id
    ${whereOf(pageConds)}
    order by sort_value ${dir}, e.ref ${dir}
    limit ${limit + 1}`;
  const rows = await rowsQuery.execute(db);

  const page = rows.rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.rows.length > limit && last ? encodeCursor({ o: orderBy, d: order, v: String(last.sort_value), r: last.ref }) : null;
  return { items: await toEntityViews(db, page), totalCount, nextCursor };
}

/**
 * A kind filter as a condition on a ref column (refs start with `kind:`), so facet counts can read it from
 * the covering (key, value, ref) index instead of joining every row to `entities`.
 */
function refOfKinds(col: RawBuilder<unknown>, kinds: string[]): RawBuilder<unknown> {
  const alternatives = kinds.map((k) => sql`substr(${col}, 1, ${k.length + 1}) = ${`${k}:`}`);
  return sql`(${sql.join(alternatives, sql` or `)})`;
}

/**
 * Value counts of each facet field under the list's filters and full text, most frequent first. A `kind`
 * filter is applied to the field rows' refs directly; other filters through a semi-join on `entities`.
 */
export async function facetCounts(
  db: Kysely<Database>,
  dialect: Dialect,
  q: { facets: string[]; filter?: Filter[]; q?: string },
): Promise<Record<string, Array<{ value: string; count: number }>>> {
  const filters = q.filter ?? [];
  const kindFilters = filters.filter((f) => f.key.trim().toLowerCase() === 'kind');
  const conds = entityConditions(dialect, filters, q.q);
  const otherConds = entityConditions(dialect, filters.filter((f) => !kindFilters.includes(f)), q.q);
  // Several kind filters AND together: only kinds named in all of them remain.
  let kinds: string[] | null = null;
  for (const f of kindFilters) {
    const vals = f.values.map((v) => v.trim().toLowerCase()).filter((v) => /^[a-z0-9]+$/.test(v));
    kinds = kinds === null ? vals : kinds.filter((k) => vals.includes(k));
  }
  const scoped = (col: RawBuilder<unknown>) => {
    const parts: RawBuilder<unknown>[] = [];
    if (kinds !== null) parts.push(kinds.length === 0 ? sql`1 = 0` : refOfKinds(col, kinds));
    if (otherConds.length > 0) parts.push(sql`${col} in (select e.ref from entities e ${whereOf(otherConds)})`);
    return parts.length === 0 ? sql`` : sql`and ${sql.join(parts, sql` and `)}`;
  };
  const out: Record<string, Array<{ value: string; count: number }>> = {};
  for (const facet of [...new Set(q.facets)]) {
    const key = facet.trim().toLowerCase();
    if (!KEY_RE.test(key)) throw inputError('facet', `expected a field path such as spec.type, found ${JSON.stringify(facet)}`);
    const rel = relationOfKey(key);
    const column = COLUMN_FIELDS.get(key);
    const query = column
      ? sql<{ value: string; count: number | string }>`select ${sql.ref(`e.${column}`)} as value, count(*) as count from entities e
          ${whereOf(conds)} group by ${sql.ref(`e.${column}`)} order by count(*) desc, ${sql.ref(`e.${column}`)} limit ${MAX_FACET_VALUES}`
      : rel
      ? sql<{ value: string; count: number | string }>`select r.target_ref as value, count(distinct r.source_ref) as count from relations r
          where r.type = ${rel} ${scoped(sql`r.source_ref`)} group by r.target_ref
          order by count(distinct r.source_ref) desc, r.target_ref limit ${MAX_FACET_VALUES}`
      : sql<{ value: string; count: number | string }>`select f.value as value, count(*) as count from entity_fields f
          where f.key = ${key} ${scoped(sql`f.ref`)} group by f.value order by count(*) desc, f.value limit ${MAX_FACET_VALUES}`;
    const rows = await query.execute(db);
    out[facet] = rows.rows.map((r) => ({ value: r.value, count: Number(r.count) }));
  }
  return out;
}
