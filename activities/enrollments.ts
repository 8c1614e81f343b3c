import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { upsertEnrollmentProjection, type EnrollmentProjection } from '../db/repositories/enrollments';
import { queueOutboxMessage, type OutboxMessage } from '../db/repositories/notifications';

export function createEnrollmentActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** Keeps the `enrollments` read model in step with the workflow; stale versions are ignored. */
    async projectEnrollment(projection: EnrollmentProjection): Promise<void> {
      await upsertEnrollmentProjection(db, projection);
    },
    /** Queues a message in the notifications outbox; the dedupe key makes a retried call a no-op. */
    async queueNotification(message: OutboxMessage): Promise<void> {
      await queueOutboxMessage(db, message);
    },
  };
}
