import pg from 'pg';
import { expect } from 'vitest';
import { retryStudentRecordsSignal } from '../../workflows/messages';
import { enrolledWithFailedRecords, waitForProgress, waitForValue, type Enrollment } from './enrollment';
import type { TestStack } from './stack';

const ops = { role: 'ops', id: 'test-ops' } as const;

/** The activities the server holds for the enrollment, running or waiting for a retry. */
export async function pendingActivities(stack: TestStack, e: Enrollment) {
  const { pendingActivities } = await stack.client.workflowService.describeWorkflowExecution({
    namespace: 'default',
    execution: { workflowId: e.enrollmentId },
  });
  return (pendingActivities ?? []).map((a) => ({ type: a.activityType?.name, attempt: a.attempt ?? 0 }));
}

export const birthDateInDatabase = async (stack: TestStack, enrollmentId: string) =>
  (
    await stack.db
      .selectFrom('students')
      .select('birth_date')
      .where('enrollment_id', '=', enrollmentId)
      .executeTakeFirst()
  )?.birth_date;

/**
 * Makes PostgreSQL refuse this enrollment's `students` rows, as a database that is starting up does (SQLSTATE 57P03,
 * retried like any outage), through a trigger of the caller's own; other enrollments are untouched. `release()` drops
 * it (and may be called again).
 */
export async function refuseStudentRows(stack: TestStack, enrollmentId: string) {
  const trigger = `refuse_${enrollmentId.replace(/[^a-z0-9]/gi, '_')}`.slice(0, 60).toLowerCase();
  const admin = new pg.Client({ connectionString: stack.databaseUrl });
  await admin.connect();
  await admin.query(`
    CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.enrollment_id = '${enrollmentId}' THEN
        RAISE EXCEPTION 'the database is starting up (refused by the test)' USING ERRCODE = '57P03';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON students FOR EACH ROW EXECUTE FUNCTION ${trigger}();
  `);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await admin.query(`DROP TRIGGER IF EXISTS ${trigger} ON students; DROP FUNCTION IF EXISTS ${trigger}();`);
      await admin.end();
    },
  };
}

/**
 * An operator's second retry with corrections that arrives after the records were created, while the workflow's last
 * write of the `enrollments` row is still running. Returns once that write may go on; the second correction asks for
 * birth date 2012-03-15 (the first for 2012-03-14).
 *
 * The enrollment is enrolled with records that failed for a data reason. For the first retry, the database refuses the
 * student's rows for a while, as if it were away (a trigger of this scenario's own), so the record set goes to its
 * regular activity, and so does the `enrollments` row, whose write waits for a lock held here.
 */
export async function retryWhileRowWriteRuns(stack: TestStack): Promise<Enrollment> {
  const e = await enrolledWithFailedRecords(stack);
  const handle = stack.client.workflow.getHandle(e.enrollmentId);

  const refused = await refuseStudentRows(stack, e.enrollmentId);
  const locker = new pg.Client({ connectionString: stack.databaseUrl });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM enrollments WHERE enrollment_id = $1 FOR UPDATE', [e.enrollmentId]);

    // The first retry: the record set's quick local attempts fail, its regular activity retries with backoff, and the
    // enrollments row goes to its own regular activity, which waits for the lock.
    await handle.signal(retryStudentRecordsSignal, { corrections: { birthDate: '2012-03-14' }, actor: ops });
    await waitForValue(
      () => pendingActivities(stack, e),
      (pending) =>
        pending.some((a) => a.type === 'syncStudentRecordSet' && a.attempt >= 2) &&
        pending.some((a) => a.type === 'projectEnrollment'),
      'a retried record-set write next to a waiting enrollments-row write',
    );

    // The database takes the rows again: the records are created while the row's write still waits.
    await refused.release();
    const created = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    expect(created.status).toBe('enrolled');
    expect(await birthDateInDatabase(stack, e.enrollmentId)).toBe('2012-03-14');
    expect(await pendingActivities(stack, e)).toEqual([expect.objectContaining({ type: 'projectEnrollment' })]);

    // The second correction arrives now; then the row's write goes through.
    await handle.signal(retryStudentRecordsSignal, { corrections: { birthDate: '2012-03-15' }, actor: ops });
    await locker.query('COMMIT');
  } finally {
    await refused.release();
    await locker.end();
  }
  return e;
}
