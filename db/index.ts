import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export * from './schema';

export interface CreateDbOptions {
  /** Pool size (default 10). */
  max?: number;
  /**
   * Called when an idle pooled connection fails (e.g. PostgreSQL restarts). The pool drops that connection and the
   * next query reconnects; without a listener pg would crash the process instead.
   */
  onIdleConnectionError?: (error: Error) => void;
  /** Milliseconds any one statement may run, lock waits included, before PostgreSQL cancels it (default 10 s). */
  statementTimeoutMs?: number;
  /** Milliseconds a transaction may sit idle before PostgreSQL ends its session (default 10 s). */
  idleInTransactionTimeoutMs?: number;
}

/** One per process: it owns a connection pool, closed by `db.destroy()`. */
export function createDb(connectionString: string, options: CreateDbOptions = {}): Kysely<Database> {
  // Process-wide parsers, set before any connection exists. Dates stay 'YYYY-MM-DD' (no time zone shift through a JS
  // Date); INT8 (ids, counts) become numbers, since every value stored here fits in 2^53.
  pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

  // A database host that does not answer fails a connection attempt after 5 s instead of hanging the caller (an
  // activity attempt, an API request) until its own timeout.
  // A statement or an idle transaction left behind by a caller that gave up (an activity attempt past its timeout)
  // is ended by PostgreSQL itself, so it cannot hold a row lock and write long after a newer attempt.
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
  });
  pool.on('error', (error) => options.onIdleConnectionError?.(error));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
