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
}

/** One per process: it owns a connection pool, closed by `db.destroy()`. */
export function createDb(connectionString: string, options: CreateDbOptions = {}): Kysely<Database> {
  // Process-wide parsers, set before any connection exists. Dates stay 'YYYY-MM-DD' (no time zone shift through a JS
  // Date); INT8 (ids, counts) become numbers, since every value stored here fits in 2^53.
  pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

  // A database host that does not answer fails a connection attempt after 5 s instead of hanging the caller (an
  // activity attempt, an API request) until its own timeout.
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, connectionTimeoutMillis: 5_000 });
  pool.on('error', (error) => options.onIdleConnectionError?.(error));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
