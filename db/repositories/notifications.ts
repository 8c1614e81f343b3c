import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

export interface OutboxMessage {
  /** The same message queued twice (activity retry, replay) is kept once. */
  dedupeKey: string;
  kind: string;
  recipient: string;
  enrollmentId?: string;
  payload: Record<string, unknown>;
}

export async function queueOutboxMessage(db: Db, m: OutboxMessage): Promise<void> {
  await db
    .insertInto('notifications')
    .values({
      dedupe_key: m.dedupeKey,
      kind: m.kind,
      recipient: m.recipient,
      enrollment_id: m.enrollmentId ?? null,
      payload: JSON.stringify(m.payload),
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}
