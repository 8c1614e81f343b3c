import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';

/**
 * The newest change version a client may sync up to: every version at or below it belongs to a transaction that has
 * committed (or rolled back) and will never appear later. Writers register their first version as an advisory lock
 * (see migration 2026_12_01_0500); the answer is just below the oldest registered writer, or the sequence's last value
 * when nobody is writing. The exclusive (1701, 0) lock waits out any writer between nextval and its registration.
 */
export async function newestChangeVersion(db: Kysely<Database>): Promise<number> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(1701, 0)`.execute(conn);
    try {
      const { rows } = await sql<{ newest: string | number }>`
        select coalesce(
          (select min(objid::bigint) - 1 from pg_locks
            where locktype = 'advisory' and classid = 1702 and objsubid = 2
              and database = (select oid from pg_database where datname = current_database())),
          (select case when is_called then last_value else 0 end from change_version_seq)
        ) as newest`.execute(conn);
      return Number(rows[0]!.newest);
    } finally {
      await sql`select pg_advisory_unlock(1701, 0)`.execute(conn);
    }
  });
}
