import type {
  DatabaseConnection,
  Dialect as KyselyDialect,
  Driver,
  Kysely,
  QueryCompiler,
  SelectQueryBuilder,
  TransactionSettings,
} from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * Everything that differs between the two databases, behind one interface. The rest of the store (events,
 * queue, transactions) is written once against Kysely and asks this object where the databases disagree.
 */
export interface StoreDialect {
  readonly name: Dialect;
  /**
   * The Kysely dialect to build the database with. `beforeAcquire` runs each time a connection is taken
   * outside a transaction; the store uses it to refuse `store.db` inside `store.transaction`.
   */
  createKyselyDialect(beforeAcquire: () => void): KyselyDialect;
  /** Runs `fn` while holding a lock that keeps other processes from migrating the same database. */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Schema for Kysely's migration bookkeeping tables (PostgreSQL: the current schema); undefined on SQLite. */
  migrationTableSchema(db: Kysely<unknown>): Promise<string | undefined>;
  /**
   * Locks the selected rows until the transaction ends (`FOR UPDATE`, optionally `SKIP LOCKED`). SQLite
   * needs nothing: every store transaction there starts with `BEGIN IMMEDIATE` and so already holds the
   * database's single write lock.
   */
  lockRows<DB, TB extends keyof DB, O>(
    qb: SelectQueryBuilder<DB, TB, O>,
    opts?: { skipLocked?: boolean },
  ): SelectQueryBuilder<DB, TB, O>;
  /** The n-th (1-based) bound-parameter placeholder in raw SQL: `?` on SQLite, `$n` on PostgreSQL. */
  placeholder(n: number): string;
  /** Releases what `createKyselyDialect` did not hand to Kysely (Kysely's `destroy` closes the rest). */
  close(): Promise<void>;
}

/**
 * Wraps a Kysely dialect so `beforeAcquire` runs before its driver hands out a connection. Queries inside a
 * Kysely transaction reuse the transaction's connection and do not pass through here.
 */
export function guardDialect(inner: KyselyDialect, beforeAcquire: () => void): KyselyDialect {
  return {
    createDriver: () => new GuardedDriver(inner.createDriver(), beforeAcquire),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}

class GuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly beforeAcquire: () => void,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.beforeAcquire();
    return this.inner.acquireConnection();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    if (!this.inner.savepoint) throw new Error('this database driver does not support savepoints');
    return this.inner.savepoint(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.inner.rollbackToSavepoint) throw new Error('this database driver does not support savepoints');
    return this.inner.rollbackToSavepoint(connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.inner.releaseSavepoint) throw new Error('this database driver does not support savepoints');
    return this.inner.releaseSavepoint(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
