import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRecordSet } from '../../db/repositories/student-records';
import type { EnrollmentProgress } from '../../workflows/messages';
import {
  bearer,
  confirmPayment,
  payloads,
  startEnrollment,
  submitOk,
  throughConsultation,
  waitForProgress,
  type Enrollment,
  ONE_RECORD_SET,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

const ADMITTED =
  temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
const GRPC_NOT_FOUND = 5;

/** Waits until the server has admitted the update (it knows of it, though no worker has run it yet). */
async function waitForAdmittedUpdate(e: Enrollment, updateId: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { stage } = await stack.client.workflowService.pollWorkflowExecutionUpdate({
        namespace: 'default',
        updateRef: { workflowExecution: { workflowId: e.enrollmentId }, updateId },
        waitPolicy: { lifecycleStage: ADMITTED },
      });
      // Admitted and no further: nothing has run it.
      return void expect(stage).toBe(ADMITTED);
    } catch (err) {
      // NOT_FOUND until the API's request reaches the server.
      if ((err as { code?: number }).code !== GRPC_NOT_FOUND || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('a worker stopped in the middle of an enrollment', () => {
  it('a new worker answers the step submitted meanwhile and finishes the enrollment with one record set', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);

    await stack.stopWorker();
    let answered = false;
    const step4 = stack.app
      .inject({
        method: 'PUT',
        url: `/v1/enrollments/${e.enrollmentId}/steps/4`,
        headers: { ...bearer(e.parentToken), 'idempotency-key': 'student-step-1' },
        payload: payloads[4],
      })
      .then((res) => {
        answered = true;
        return res;
      });
    await waitForAdmittedUpdate(e, `${e.enrollmentId}:student-step-1`);
    // Nothing can run the update while no worker polls the task queue.
    expect(answered).toBe(false);
    expect(await countRecordSet(stack.db, e.enrollmentId)).toMatchObject({ students: 0 });

    await stack.startWorker();
    const res = await step4;
    expect(res.statusCode, res.body).toBe(200);
    const afterStep4: EnrollmentProgress = res.json();
    expect(afterStep4.steps[3]).toMatchObject({ step: 4, status: 'completed' });
    expect(afterStep4.currentStep).toBe(5);

    const registered = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    expect(registered.status).toBe('registered');
    await submitOk(stack, e, 5);
    await submitOk(stack, e, 6);
    await confirmPayment(stack, e);
    const done = (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    expect(done.status).toBe('enrolled');
    expect(done.steps.map((s) => s.status)).toEqual(Array(6).fill('completed'));
    expect(done.studentRecords).toMatchObject({
      status: 'created',
      studentUniqueId: registered.studentRecords.studentUniqueId,
    });

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
  });
});
