import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type Tx = Transaction<Database>;

interface Scope {
  active: boolean;
  hooks: (() => void)[];
}

/**
 * Runs store transactions and what must happen after they commit. It also marks the async context of each
 * transaction so that `store.db` used inside one fails at once with a clear message: on SQLite, Kysely has
 * a single connection, held by the transaction, and such a query would wait for it forever.
 */
export interface TxScope {
  /** Runs fn in a transaction; after-commit hooks run once it has committed, never if it rolled back. */
  run<T>(db: Kysely<Database>, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Registers a hook to run after tx commits. Throws if tx was not opened by {@link TxScope.run}. */
  afterCommit(tx: Tx, hook: () => void): void;
  /** Throws when called from inside a running transaction (used before handing out a connection). */
  assertOutsideTransaction(): void;
}

/** Creates the transaction scope of one store. */
export function createTxScope(): TxScope {
  const als = new AsyncLocalStorage<Scope>();
  const scopes = new WeakMap<Tx, Scope>();

  function assertOutsideTransaction(): void {
    if (als.getStore()?.active) {
      throw new Error(
        'store.db (or a store method without a tx argument) was used inside store.transaction(); ' +
          'use the tx passed to the callback: on SQLite the transaction holds the only connection and this would deadlock',
      );
    }
  }

  return {
    async run(db, fn) {
      assertOutsideTransaction();
      const scope: Scope = { active: true, hooks: [] };
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await db.transaction().execute((tx) => {
          scopes.set(tx, scope);
          return als.run(scope, () => fn(tx));
        });
      } finally {
        // Work the callback left running (un-awaited promises, timers) may use store.db once we are done.
        scope.active = false;
      }
      for (const hook of scope.hooks) hook();
      return result;
    },
    afterCommit(tx, hook) {
      // A tx derived inside the callback (tx.withPlugin(...)) is a new object; the async context still knows.
      const scope = scopes.get(tx) ?? als.getStore();
      if (!scope?.active) {
        throw new Error('expected a tx from store.transaction(), found a transaction the store did not open');
      }
      scope.hooks.push(hook);
    },
    assertOutsideTransaction,
  };
}
