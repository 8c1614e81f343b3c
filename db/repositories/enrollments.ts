import { sql, type Kysely, type Transaction } from 'kysely';
import type { EnrollmentRow } from '../../domain/enrollment';
import type { Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Makes sure the enrollment's row exists and locks it for the caller's transaction; returns the version it holds. The
 * insert waits for a concurrent one instead of failing, so two writers never race on an absent row.
 */
export async function lockEnrollmentRow(db: Transaction<Database>, p: EnrollmentRow): Promise<number> {
  await insertEnrollmentIfAbsent(db, p);
  const { projection_version } = await db
    .selectFrom('enrollments')
    .select('projection_version')
    .where('enrollment_id', '=', p.enrollmentId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return Number(projection_version);
}

/** Rewrites the row; the caller holds its lock (lockEnrollmentRow) and has compared versions. */
export async function updateEnrollmentRow(db: Transaction<Database>, p: EnrollmentRow): Promise<void> {
  await db
    .updateTable('enrollments')
    .set({
      status: p.status,
      current_step: p.currentStep,
      student_unique_id: p.studentUniqueId,
      student_records_status: p.studentRecordsStatus,
      student_records_error: p.studentRecordsError,
      student_records_attempts: p.studentRecordsAttempts,
      projection_version: p.version,
      updated_at: new Date(),
    })
    .where('enrollment_id', '=', p.enrollmentId)
    .execute();
}

/** The row the API creates when an invitation is redeemed, before the workflow has projected anything. */
export async function insertEnrollmentIfAbsent(
  db: Db,
  e: { enrollmentId: string; invitationId: string; coachId: string | null; schoolId: number },
): Promise<void> {
  await db
    .insertInto('enrollments')
    .values({
      enrollment_id: e.enrollmentId,
      invitation_id: e.invitationId,
      coach_id: e.coachId,
      school_id: e.schoolId,
      status: 'in_progress',
      current_step: 1,
      projection_version: 0,
    })
    .onConflict((oc) => oc.column('enrollment_id').doNothing())
    .execute();
}

export async function findEnrollment(db: Db, enrollmentId: string) {
  return db.selectFrom('enrollments').selectAll().where('enrollment_id', '=', enrollmentId).executeTakeFirst();
}

export interface EnrollmentFilter {
  status?: EnrollmentRow['status'];
  studentRecords?: EnrollmentRow['studentRecordsStatus'];
  coachId?: string;
  schoolId?: number;
  updatedSince?: Date;
  /**
   * Keyset cursor: the (updated_at, enrollment_id) of the last row of the previous page, the time as the row's
   * `updated_at_key` (microseconds: a JS Date would round them off and skip rows within the same millisecond).
   */
  after?: { updatedAt: string; enrollmentId: string };
  limit: number;
}

/** Newest first, keyset-paginated so a page never skips or repeats rows while the table changes. */
export async function listEnrollments(db: Db, f: EnrollmentFilter) {
  const after = f.after && sql<Date>`${f.after.updatedAt}::timestamptz`;
  return db
    .selectFrom('enrollments')
    .selectAll()
    .select(sql<string>`to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('updated_at_key'))
    .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
    .$if(f.studentRecords !== undefined, (q) => q.where('student_records_status', '=', f.studentRecords!))
    .$if(f.coachId !== undefined, (q) => q.where('coach_id', '=', f.coachId!))
    .$if(f.schoolId !== undefined, (q) => q.where('school_id', '=', f.schoolId!))
    .$if(f.updatedSince !== undefined, (q) => q.where('updated_at', '>=', f.updatedSince!))
    .$if(f.after !== undefined, (q) =>
      q.where((eb) =>
        eb.or([
          eb('updated_at', '<', after!),
          eb.and([eb('updated_at', '=', after!), eb('enrollment_id', '<', f.after!.enrollmentId)]),
        ]),
      ),
    )
    .orderBy('updated_at', 'desc')
    .orderBy('enrollment_id', 'desc')
    .limit(f.limit)
    .execute();
}
