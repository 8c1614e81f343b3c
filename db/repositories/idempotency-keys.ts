import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

export interface IdempotencyClaim {
  scope: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
}

/**
 * Binds the key to this request unless it is bound already; answers the request it is bound to (this one when new).
 */
export async function claimIdempotencyKey(
  db: Db,
  claim: IdempotencyClaim,
): Promise<{ fingerprint: string; method: string; path: string; created: boolean }> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values(claim)
    .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
    .returning(['fingerprint', 'method', 'path'])
    .executeTakeFirst();
  if (inserted) return { ...inserted, created: true };
  const existing = await db
    .selectFrom('idempotency_keys')
    .select(['fingerprint', 'method', 'path'])
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .executeTakeFirst();
  // Released between the two statements: the key is free again.
  return existing ? { ...existing, created: false } : claimIdempotencyKey(db, claim);
}

/** Frees a key whose request failed, so the caller may send a corrected request with it. */
export async function releaseIdempotencyKey(db: Db, scope: string, key: string, fingerprint: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('scope', '=', scope)
    .where('key', '=', key)
    .where('fingerprint', '=', fingerprint)
    .execute();
}
