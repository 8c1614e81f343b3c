import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRecordSet } from '../../db/repositories/student-records';
import type { EnrollmentProgress } from '../../workflows/messages';
import {
  confirmPayment,
  ONE_RECORD_SET,
  startEnrollment,
  submitOk,
  submitStep,
  throughConsultation,
  waitForProgress,
  waitForValue,
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

let stack: TestStack;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  stack = await createTestStack({ startWorker: false });
  worker = await startWorkerProcess({ taskQueue: stack.taskQueue });
});
afterAll(async () => {
  await worker?.kill();
  await stack?.close();
});

async function replaceWorker(): Promise<void> {
  await worker!.kill();
  worker = await startWorkerProcess({ taskQueue: stack.taskQueue });
}

/** Steps 5 and 6 and the provider's confirmation; the enrollment's result, once it is done. */
async function finish(e: Enrollment): Promise<EnrollmentProgress> {
  await submitOk(stack, e, 5);
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e);
  return (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
}

async function expectOneEnrolledRecordSet(e: Enrollment, done: EnrollmentProgress): Promise<void> {
  expect(done).toMatchObject({ status: 'enrolled', studentRecords: { status: 'created' } });
  expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
  const student = await stack.db
    .selectFrom('students')
    .innerJoin('tsa_student_extensions as ext', 'ext.student_unique_id', 'students.student_unique_id')
    .select(['students.student_unique_id', 'ext.enrollment_status', 'ext.deposit_paid'])
    .where('students.enrollment_id', '=', e.enrollmentId)
    .executeTakeFirstOrThrow();
  expect(student).toEqual({
    student_unique_id: done.studentRecords.studentUniqueId,
    enrollment_status: 'enrolled',
    deposit_paid: true,
  });
}

describe('a worker process killed (SIGKILL) in the middle of an enrollment', () => {
  it('while the record-set write is running: a new worker answers step 4 and finishes with one record set', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    // The write waits on a lock held here, so it is surely running when the worker dies.
    const locker = new pg.Client({ connectionString: stack.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM enrollments WHERE enrollment_id = $1 FOR UPDATE', [e.enrollmentId]);
      const step4 = submitStep(stack, e, 4);
      const writing = worker!.applicationName;
      await waitForValue(
        async () =>
          (
            await locker.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [writing],
            )
          ).rows[0].n as number,
        (waiting) => waiting > 0,
        "the worker's record-set write waiting on the lock",
      );
      await replaceWorker();
      await locker.query('COMMIT');
      const res = await step4;
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().steps[3]).toMatchObject({ step: 4, status: 'completed' });
    } finally {
      await locker.end();
    }
    await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    await expectOneEnrolledRecordSet(e, await finish(e));
  });

  it('between two workflow tasks: a new worker replays the history and finishes with one record set', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    await submitOk(stack, e, 4);
    const registered = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    // Nothing is running for this enrollment: the worker dies between the task that wrote the records and the next.
    await replaceWorker();
    const done = await finish(e);
    expect(done.studentRecords.studentUniqueId).toBe(registered.studentRecords.studentUniqueId);
    await expectOneEnrolledRecordSet(e, done);
  });
});
