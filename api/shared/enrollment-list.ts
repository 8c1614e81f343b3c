import type { Kysely } from 'kysely';
import { z } from 'zod';
import { listEnrollments, type EnrollmentFilter } from '../../db/repositories/enrollments';
import { ENROLLMENT_STATUSES, STUDENT_RECORDS_STATUSES, type Database } from '../../db/schema';
import { cursorCodec, cursorTimestamp, nextCursorSchema, pageOf } from './cursor';
import { enrollmentId } from './params';

/** One enrollment as the projection lists it (ops' console, a coach's own list). */
export const enrollmentListItem = z.object({
  enrollmentId: z.string(),
  status: z.enum(ENROLLMENT_STATUSES),
  currentStep: z.number().int(),
  coachId: z.string().nullable(),
  schoolId: z.number().int(),
  studentUniqueId: z.string().nullable(),
  studentRecords: z.object({
    status: z.enum(STUDENT_RECORDS_STATUSES),
    error: z.string().nullable().describe('for operators and auditors (may name tables); null for coaches'),
    attempts: z.number().int(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const enrollmentListPage = z.object({ items: z.array(enrollmentListItem), nextCursor: nextCursorSchema });
type EnrollmentListPage = z.infer<typeof enrollmentListPage>;

/** The (updated_at, enrollment_id) of a page's last row: the keyset the projection is listed by. */
const listCursor = cursorCodec(z.strictObject({ updatedAt: cursorTimestamp, enrollmentId }));

/**
 * A page of the projection, newest change first, for `limit` and the previous page's `cursor`. `withErrors: false`
 * leaves out the record sets' error text, which is written for operators.
 */
export async function pageOfEnrollments(
  db: Kysely<Database>,
  filter: Omit<EnrollmentFilter, 'after' | 'limit'>,
  { limit, cursor, withErrors = true }: { limit: number; cursor?: string; withErrors?: boolean },
): Promise<EnrollmentListPage> {
  const rows = await listEnrollments(db, {
    ...filter,
    after: cursor ? listCursor.decode(cursor) : undefined,
    limit: limit + 1,
  });
  const { page, nextCursor } = pageOf(rows, limit, listCursor, (row) => ({
    updatedAt: row.updated_at_key,
    enrollmentId: row.enrollment_id,
  }));
  return {
    items: page.map((row) => ({
      enrollmentId: row.enrollment_id,
      status: row.status,
      currentStep: row.current_step,
      coachId: row.coach_id,
      schoolId: Number(row.school_id),
      studentUniqueId: row.student_unique_id,
      studentRecords: {
        status: row.student_records_status,
        error: withErrors ? row.student_records_error : null,
        attempts: row.student_records_attempts,
      },
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    })),
    ...(nextCursor ? { nextCursor } : {}),
  };
}
