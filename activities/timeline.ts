import { ApplicationFailure } from '@temporalio/common';
import type { Kysely } from 'kysely';
import type { TimelineTemplate } from '../domain/timeline';
import { queueOutboxMessage } from '../db/repositories/notifications';
import { findTemplate, writeProjection, type TimelineProjection } from '../db/repositories/timelines';
import type { Database } from '../db/schema';
import { TimelineFailureTypes } from '../workflows/timeline/messages';

export interface DueReminder {
  timelineId: string;
  coachId: string;
  stepId: string;
  stepName: string;
  dueDate: string;
}

export function createTimelineActivities({ db }: { db: Kysely<Database> }) {
  return {
    /** The template a timeline starts from; an unknown one fails the workflow (nothing to retry). */
    async loadTimelineTemplate(templateId: string): Promise<TimelineTemplate> {
      const template = await findTemplate(db, templateId);
      if (!template) {
        throw ApplicationFailure.nonRetryable(
          `unknown timeline template ${templateId}`,
          TimelineFailureTypes.unknownTemplate,
        );
      }
      return template;
    },
    /** Appends the events and writes the steps they lead to, in one transaction; a repeat is a no-op. */
    async projectTimeline(projection: TimelineProjection): Promise<void> {
      await db.transaction().execute((trx) => writeProjection(trx, projection));
    },
    /** A step fell due: the coach is reminded once per step and due date. */
    async queueDueReminder(reminder: DueReminder): Promise<void> {
      await queueOutboxMessage(db, {
        dedupeKey: `timeline:${reminder.timelineId}:due:${reminder.stepId}:${reminder.dueDate}`,
        kind: 'timeline_step_due',
        recipient: reminder.coachId,
        payload: { ...reminder },
      });
    },
  };
}
