/**
 * `npm run histories:record` (vitest with vitest.histories.config.mts, not part of `npm test`): runs real enrollments
 * (complete, failed then retried, cancelled, a retry that arrives while the last `enrollments` write runs, and a cancel
 * that arrives while the first record-set write is retried) against the run's Temporal dev server and PostgreSQL, and
 * saves their histories here. The suite replays every file in this folder against the current workflow code, so a
 * change that breaks running enrollments fails the tests. Payloads are encrypted with the test key
 * (test/helpers/stack.ts), which the replay test also uses.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { retryStudentRecordsSignal, type EnrollmentProgress } from '../../workflows/messages';
import {
  cancelOk,
  enrolledWithFailedRecords,
  confirmPayment,
  startEnrollment,
  submitOk,
  throughConsultation,
  waitForProgress,
  waitForValue,
  type Enrollment,
} from '../helpers/enrollment';
import { pendingActivities, refuseStudentRows, retryWhileRowWriteRuns } from '../helpers/late-retry';
import { createTestStack, type TestStack } from '../helpers/stack';

async function complete(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  await submitOk(stack, e, 5);
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e);
  return e;
}

async function failedThenRetried(stack: TestStack): Promise<Enrollment> {
  const e = await enrolledWithFailedRecords(stack);
  await stack.client.workflow
    .getHandle(e.enrollmentId)
    .signal(retryStudentRecordsSignal, { corrections: { birthDate: '2012-03-14' }, actor: { role: 'ops', id: 'ops-1' } });
  return e;
}

async function cancelled(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
  await cancelOk(stack, e, 'moving away');
  return e;
}

/** A cancel that arrives while the first record-set write is being retried; the write lands after it and is withdrawn. */
async function cancelledWhileFirstWriteRetried(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  const refused = await refuseStudentRows(stack, e.enrollmentId);
  try {
    await submitOk(stack, e, 4);
    await waitForValue(
      () => pendingActivities(stack, e),
      (pending) => pending.some((a) => a.type === 'syncStudentRecordSet' && a.attempt >= 2),
      'a retried record-set write',
    );
    await cancelOk(stack, e);
    await waitForProgress(stack, e, (p) => p.status === 'cancelled');
  } finally {
    await refused.release();
  }
  const done = (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
  const extension = await stack.db
    .selectFrom('tsa_student_extensions')
    .select('enrollment_status')
    .where('student_unique_id', '=', done.studentRecords.studentUniqueId!)
    .executeTakeFirst();
  if (extension?.enrollment_status !== 'withdrawn') {
    throw new Error(`the late write was not withdrawn: ${JSON.stringify(extension)}`);
  }
  return e;
}

const RECORDINGS = {
  complete,
  'failed-then-retried': failedThenRetried,
  cancelled,
  'retried-while-row-written': retryWhileRowWriteRuns,
  'cancelled-while-first-write-retried': cancelledWhileFirstWriteRetried,
};

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

/** Recordings never replace older ones: each workflow version's histories must keep replaying. */
const TAG = process.env.HISTORIES_TAG ?? new Date().toISOString().slice(0, 10);

/** `HISTORIES_ONLY=name,name` records those scenarios only (a change that only one of them reaches). */
const only = process.env.HISTORIES_ONLY?.split(',');

for (const [name, run] of Object.entries(RECORDINGS).filter(([name]) => !only || only.includes(name))) {
  it(`records enrollment-${name}.${TAG}.json`, async () => {
    const file = path.join(__dirname, `enrollment-${name}.${TAG}.json`);
    if (fs.existsSync(file)) throw new Error(`${file} exists: recordings never replace older ones (HISTORIES_TAG)`);
    const e = await run(stack);
    const handle = stack.client.workflow.getHandle(e.enrollmentId);
    await handle.result();
    fs.writeFileSync(file, historyToJSON(await handle.fetchHistory()) + '\n');
  });
}
