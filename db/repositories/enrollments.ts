import { sql, type Kysely, type Transaction } from 'kysely';
import type { EnrollmentRow } from '../../domain/enrollment';
import type { Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

function toColumns(p: EnrollmentRow) {
  return {
    enrollment_id: p.enrollmentId,
    invitation_id: p.invitationId,
    coach_id: p.coachId,
    school_id: p.schoolId,
    status: p.status,
    current_step: p.currentStep,
    student_unique_id: p.studentUniqueId,
    student_records_status: p.studentRecordsStatus,
    student_records_error: p.studentRecordsError,
    student_records_attempts: p.studentRecordsAttempts,
    projection_version: p.version,
  };
}

/**
 * Writes the row unless the stored one carries this version or a newer one, in one statement (the conditional update
 * takes the row lock itself). Returns whether it wrote.
 */
export async function upsertEnrollmentRow(db: Db, p: EnrollmentRow): Promise<boolean> {
  const written = await db
    .insertInto('enrollments')
    .values(toColumns(p))
    .onConflict((oc) =>
      oc
        .column('enrollment_id')
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          current_step: eb.ref('excluded.current_step'),
          student_unique_id: eb.ref('excluded.student_unique_id'),
          student_records_status: eb.ref('excluded.student_records_status'),
          student_records_error: eb.ref('excluded.student_records_error'),
          student_records_attempts: eb.ref('excluded.student_records_attempts'),
          projection_version: eb.ref('excluded.projection_version'),
          updated_at: new Date(),
        }))
        .where('enrollments.projection_version', '<', p.version),
    )
    .returning('enrollment_id')
    .executeTakeFirst();
  return written !== undefined;
}

/**
 * Locks the enrollment's row for the caller's transaction (creating it, at version 0, if absent) and returns the
 * version it holds, in one statement: a concurrent writer waits for this transaction instead of racing it.
 */
export async function lockEnrollmentRow(db: Transaction<Database>, p: EnrollmentRow): Promise<number> {
  const { projection_version } = await db
    .insertInto('enrollments')
    .values({ ...toColumns(p), projection_version: 0 })
    .onConflict((oc) =>
      oc
        .column('enrollment_id')
        .doUpdateSet((eb) => ({ projection_version: eb.ref('enrollments.projection_version') })),
    )
    .returning('projection_version')
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
