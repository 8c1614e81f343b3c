/**
 * `npm run histories:record` (vitest with vitest.histories.config.mts, not part of `npm test`): runs real enrollments
 * against the run's Temporal dev server and PostgreSQL, one for every path a production run takes, and saves their
 * histories here as `enrollment-{scenario}.{tag}.json`. The suite replays every file in this folder against the
 * current workflow code, so a change that breaks running enrollments fails the tests. Recordings are never deleted
 * or replaced (docs/versioning.md). Payloads are encrypted with the test key (test/helpers/stack.ts), which the
 * replay test also uses.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import {
  documentsVerifiedSignal,
  retryStudentRecordsSignal,
  submitStepSignal,
  type EnrollmentProgress,
  type StepSubmissionMessage,
} from '../../workflows/messages';
import {
  bearer,
  cancelOk,
  confirmPayment,
  enrolledWithFailedRecords,
  payloads,
  startEnrollment,
  submitOk,
  throughConsultation,
  token,
  waitForProgress,
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

const ops = { role: 'ops', id: 'ops-1' } as const;

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
    .signal(retryStudentRecordsSignal, { corrections: { birthDate: '2012-03-14' }, actor: ops });
  return e;
}

async function cancelledAfterStep4(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
  await cancelOk(stack, e, 'moving away');
  return e;
}

/** Both reminders and the expiry, on timings short enough to record. */
async function expired(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  return e;
}

async function documentsVerifiedByStaff(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  await submitOk(stack, e, 5, { documents: [payloads[5].documents[0]] });
  await stack.client.workflow.getHandle(e.enrollmentId).signal(documentsVerifiedSignal, {
    documentTypes: ['immunization_record', 'proof_of_residence'],
    notes: 'paper copies handed in',
    actor: ops,
  });
  await waitForProgress(stack, e, (p) => p.steps[4]!.status === 'completed');
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e);
  return e;
}

async function paymentFailedThenSucceeded(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  await submitOk(stack, e, 5);
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e, 'failed');
  await waitForProgress(stack, e, (p) => p.steps[5]!.status === 'rejected');
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e);
  return e;
}

/** A `submitStep` signal out of order (step 4 before step 1) is recorded as rejected; the enrollment then completes. */
async function invalidSignalRejected(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await stack.client.workflow
    .getHandle(e.enrollmentId)
    .signal(submitStepSignal, { step: 4, data: payloads[4] } as unknown as StepSubmissionMessage);
  await waitForProgress(stack, e, (p) => p.rejectedMessages.length === 1);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  await submitOk(stack, e, 5);
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e);
  return e;
}

/** An operator resets a running enrollment after step 4; the new run finishes it. Its history is the new run's. */
async function operatorReset(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4);
  await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
  const res = await stack.app.inject({
    method: 'POST',
    url: `/v1/ops/workflows/${e.enrollmentId}/reset`,
    headers: bearer(token(stack, { role: 'ops' })),
    payload: { to: 'last-workflow-task', reason: 'recording: reset after step 4' },
  });
  if (res.statusCode !== 200) throw new Error(`reset refused: ${res.body}`);
  await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
  await submitOk(stack, e, 5);
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e);
  return e;
}

const RECORDINGS: Record<string, { run: (stack: TestStack) => Promise<Enrollment>; shortTimings?: boolean }> = {
  complete: { run: complete },
  'failed-then-retried': { run: failedThenRetried },
  'cancelled-after-step-4': { run: cancelledAfterStep4 },
  'expired-after-two-reminders': { run: expired, shortTimings: true },
  'documents-verified-by-staff': { run: documentsVerifiedByStaff },
  'payment-failed-then-succeeded': { run: paymentFailedThenSucceeded },
  'invalid-signal-rejected': { run: invalidSignalRejected },
  'operator-reset': { run: operatorReset },
};

let stack: TestStack;
let shortStack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
  shortStack = await createTestStack({
    enrollmentTimings: { firstReminderAfterMs: 1_000, secondReminderAfterMs: 2_000, expireAfterMs: 3_000 },
  });
});
afterAll(async () => {
  await stack?.close();
  await shortStack?.close();
});

const TAG = process.env.HISTORIES_TAG ?? new Date().toISOString().slice(0, 10);

/** `HISTORIES_ONLY=name,name` records those scenarios only (a change that only one of them reaches). */
const only = process.env.HISTORIES_ONLY?.split(',');

for (const [name, { run, shortTimings }] of Object.entries(RECORDINGS).filter(([n]) => !only || only.includes(n))) {
  it(`records enrollment-${name}.${TAG}.json`, async () => {
    const file = path.join(__dirname, `enrollment-${name}.${TAG}.json`);
    if (fs.existsSync(file)) throw new Error(`${file} exists: recordings never replace older ones (HISTORIES_TAG)`);
    const on = shortTimings ? shortStack : stack;
    const e = await run(on);
    const handle = on.client.workflow.getHandle(e.enrollmentId);
    const done = (await handle.result()) as EnrollmentProgress;
    if (name.startsWith('expired') && done.status !== 'expired') throw new Error(`not expired: ${done.status}`);
    fs.writeFileSync(file, historyToJSON(await handle.fetchHistory()) + '\n');
  });
}
