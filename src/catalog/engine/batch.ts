import { CompiledQuery, type Kysely } from 'kysely';
import type { Database, Dialect } from '../../store/index.js';

/**
 * Bound-parameter budgets per statement. SQLite allows 32766 variables, PostgreSQL 65535; both are kept a
 * little under so a statement's extra parameters (a location id, a key) never tip it over.
 */
const MAX_PARAMS: Record<Dialect, number> = { sqlite: 32_000, postgres: 60_000 };

/** Rows of `columns` values that fit in one multi-row INSERT on this dialect. */
export function rowsPerInsert(dialect: Dialect, columns: number): number {
  return Math.max(1, Math.floor(MAX_PARAMS[dialect] / columns));
}

/** Values per `IN (...)` list; PostgreSQL plans very long lists slowly, so keep them moderate. */
export const IN_LIST_SIZE = 5_000;

/** Splits `items` into consecutive slices of at most `size`. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const valuesCache = new Map<string, string>();

/** `(?,?),(?,?)` or `($1,$2),($3,$4)`: the VALUES list of `rows` rows of `columns` parameters. */
function valuesList(dialect: Dialect, rows: number, columns: number): string {
  const key = `${dialect}:${rows}:${columns}`;
  let text = valuesCache.get(key);
  if (text === undefined) {
    const tuples: string[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      const cells: string[] = new Array(columns);
      for (let c = 0; c < columns; c++) cells[c] = dialect === 'postgres' ? `$${r * columns + c + 1}` : '?';
      tuples[r] = `(${cells.join(',')})`;
    }
    text = tuples.join(',');
    // Only the full-chunk shapes recur; remembering every tail size would only grow the map.
    if (rows >= 100) valuesCache.set(key, text);
  }
  return text;
}

/** Rows per INSERT ... SELECT FROM unnest(...) on PostgreSQL (one array parameter per column). */
const PG_UNNEST_ROWS = 10_000;

/**
 * Inserts `rows` (each an array in `columns` order) in chunks. Statements are built as text: Kysely's
 * builder spends as long on thousands of value nodes as the database spends inserting them. SQLite gets
 * multi-row VALUES sized to its parameter limit; PostgreSQL gets one parameter per column (a JSON array
 * read with `rows from (json_array_elements_text(...), ...)`, or a `unnest` array), which it binds and plans
 * far faster than tens of thousands of scalar parameters.
 * `types` are the PostgreSQL types of the columns (default text). `suffix` (ON CONFLICT ..., RETURNING ...)
 * ends every statement; rows it returns are collected.
 */
export async function insertRows<R = unknown>(
  tx: Kysely<Database>,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
  suffix = '',
  types: readonly string[] = [],
): Promise<R[]> {
  const out: R[] = [];
  const head = `insert into ${table} (${columns.join(', ')})`;
  if (dialect === 'postgres') {
    const arrays = columns.map((_, c) => `$${c + 1}::${types[c] ?? 'text'}[]`).join(', ');
    const cells = columns.map((_, c) => `c${c}::${types[c] ?? 'text'}`).join(', ');
    const elements = columns.map((_, c) => `json_array_elements_text($${c + 1}::json)`).join(', ');
    const names = columns.map((_, c) => `c${c}`).join(', ');
    for (let i = 0; i < rows.length; i += PG_UNNEST_ROWS) {
      const part = rows.slice(i, i + PG_UNNEST_ROWS);
      const params = columns.map((_, c) => part.map((r) => r[c]));
      // Each column goes as one JSON array: JSON.stringify escapes in native code, several times faster than
      // pg's array-literal escaping of long texts such as entity bodies. A `\u` escape (a control
      // character or a lone surrogate, which PostgreSQL's JSON rejects or reads differently) keeps the
      // array path, so what is stored never depends on the route.
      const texts = params.map((p) => JSON.stringify(p));
      const result = texts.some((t) => t.includes('\\u'))
        ? await tx.executeQuery<R>(CompiledQuery.raw(`${head} select * from unnest(${arrays}) ${suffix}`, params))
        : await tx.executeQuery<R>(CompiledQuery.raw(`${head} select ${cells} from rows from (${elements}) as t(${names}) ${suffix}`, texts));
      out.push(...result.rows);
    }
    return out;
  }
  const size = rowsPerInsert(dialect, columns.length);
  for (let i = 0; i < rows.length; i += size) {
    const part = rows.slice(i, i + size);
    const result = await tx.executeQuery<R>(CompiledQuery.raw(`${head} values ${valuesList(dialect, part.length, columns.length)} ${suffix}`, part.flat()));
    out.push(...result.rows);
  }
  return out;
}

/** Runs `<prefix> in (...)` statements over `values` in chunks (for deletes and look-ups by many keys). */
export async function whereIn<R = unknown>(tx: Kysely<Database>, dialect: Dialect, prefix: string, values: readonly unknown[], suffix = ''): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += IN_LIST_SIZE) {
    const part = values.slice(i, i + IN_LIST_SIZE);
    const list = dialect === 'postgres' ? part.map((_, j) => `$${j + 1}`).join(',') : part.map(() => '?').join(',');
    const result = await tx.executeQuery<R>(CompiledQuery.raw(`${prefix} in (${list}) ${suffix}`, [...part]));
    out.push(...result.rows);
  }
  return out;
}

/** Rows a bulk write must add, at least, before rebuilding indexes beats maintaining them row by row. */
const DEFER_MIN_ROWS = 50_000;

/** Indexes dropped for a bulk write; `restore` recreates them (in the same transaction). */
export interface DeferredIndexes {
  tables: string[];
  restore(): Promise<void>;
}

/** Whether `table` holds fewer rows than `rows`, at a cost bounded by `rows`. */
async function smallerThan(tx: Kysely<Database>, dialect: Dialect, table: string, rows: number): Promise<boolean> {
  const q =
    dialect === 'sqlite'
      ? `select max(rowid) as n from ${table}` // an O(log n) upper bound of the row count
      : `select count(*) as n from (select 1 from ${table} limit ${rows}) x`;
  const r = await tx.executeQuery<{ n: number | string | null }>(CompiledQuery.raw(q, []));
  return Number(r.rows[0]?.n ?? 0) < rows;
}

/**
 * Prepares a bulk write: each table that the write will at least double (and by at least 50k rows) has its
 * plain secondary indexes dropped, to be recreated from their stored definitions by `restore` once the rows
 * are in. Sorting once to build an index is several times faster than inserting hundreds of thousands of
 * random keys into it. Unique indexes stay (they enforce constraints). Everything is in the caller's
 * transaction: a rollback brings the indexes back. On PostgreSQL the tables are locked (ACCESS EXCLUSIVE,
 * all at once, in a fixed order) until commit, so readers wait for a first big load instead of seeing it half
 * done; on SQLite, WAL readers keep reading their snapshot.
 */
export async function deferIndexes(
  tx: Kysely<Database>,
  dialect: Dialect,
  writes: Array<{ table: string; rows: number }>,
): Promise<DeferredIndexes> {
  const tables: string[] = [];
  for (const w of writes) {
    if (w.rows >= DEFER_MIN_ROWS && (await smallerThan(tx, dialect, w.table, w.rows))) tables.push(w.table);
  }
  if (tables.length === 0) return { tables, restore: async () => undefined };
  if (dialect === 'postgres') await tx.executeQuery(CompiledQuery.raw(`lock table ${tables.join(', ')} in access exclusive mode`, []));
  const indexes: Array<{ name: string; sql: string }> = [];
  for (const table of tables) {
    const r =
      dialect === 'sqlite'
        ? await tx.executeQuery<{ name: string; sql: string }>(
            CompiledQuery.raw(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`, [table]),
          )
        : await tx.executeQuery<{ name: string; sql: string }>(
            CompiledQuery.raw(`select indexname as name, indexdef as sql from pg_indexes where schemaname = current_schema() and tablename = $1`, [table]),
          );
    indexes.push(...r.rows.filter((ix) => !/^\s*create\s+unique/i.test(ix.sql)));
  }
  for (const ix of indexes) await tx.executeQuery(CompiledQuery.raw(`drop index "${ix.name.replace(/"/g, '""')}"`, []));
  return {
    tables,
    async restore() {
      // Sorting in memory instead of in temporary files makes the rebuild several times faster, the GIN
      // (full-text) index most of all. LOCAL: the setting ends with the transaction.
      if (dialect === 'postgres') await tx.executeQuery(CompiledQuery.raw(`set local maintenance_work_mem = '256MB'`, []));
      for (const ix of indexes) await tx.executeQuery(CompiledQuery.raw(ix.sql, []));
    },
  };
}
