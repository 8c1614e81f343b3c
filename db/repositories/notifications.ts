import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema';

import type { OutboxMessage } from '../../domain/notifications';

export type { OutboxMessage } from '../../domain/notifications';

type Db = Kysely<Database> | Transaction<Database>;

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
