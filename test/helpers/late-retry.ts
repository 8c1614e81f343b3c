import pg from 'pg';
import { retryStudentRecordsSignal } from '../../workflows/messages';
import { enrolledWithFailedRecords, waitForValue, type Enrollment } from './enrollment';
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
 * An operator's retry with corrections whose write waits on a lock held here (birth date 2012-03-14): its local
 * attempts time out one after another, still waiting in PostgreSQL, and the regular activity takes over. A second
 * retry (2012-03-15) arrives meanwhile; then the lock goes. The attempts that outlived their timeouts land late and
 * must change nothing the newer write holds. Returns once the lock is released.
 */
export async function retryWhileWriteWaits(stack: TestStack): Promise<Enrollment> {
  const e = await enrolledWithFailedRecords(stack);
  const handle = stack.client.workflow.getHandle(e.enrollmentId);
  const locker = new pg.Client({ connectionString: stack.databaseUrl });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM enrollments WHERE enrollment_id = $1 FOR UPDATE', [e.enrollmentId]);
    await handle.signal(retryStudentRecordsSignal, { corrections: { birthDate: '2012-03-14' }, actor: ops });
    await waitForValue(
      () => pendingActivities(stack, e),
      (pending) => pending.some((a) => a.type === 'persistEnrollment'),
      'the regular activity taking over the waiting write',
      60_000,
    );
    await handle.signal(retryStudentRecordsSignal, { corrections: { birthDate: '2012-03-15' }, actor: ops });
    await locker.query('COMMIT');
  } finally {
    await locker.end();
  }
  return e;
}
