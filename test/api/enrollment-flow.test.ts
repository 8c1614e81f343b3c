import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../helpers/stack';
import {
  confirmPayment,
  createInvitation,
  redeem,
  startEnrollment,
  submitOk,
  throughConsultation,
  waitForProgress,
} from '../helpers/enrollment';
import type { EnrollmentProgress } from '../../workflows/messages';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

describe('complete enrollment', () => {
  it('goes from invitation to enrolled with one record set', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    const afterStep4 = await submitOk(stack, e, 4);
    expect(afterStep4.steps[3]!.status).toBe('completed');
    const registered = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    expect(registered.status).toBe('registered');
    await submitOk(stack, e, 5);
    await submitOk(stack, e, 6);
    await confirmPayment(stack, e);
    // The workflow finishes once the record set reflects the payment.
    const done = (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    expect(done.status).toBe('enrolled');
    expect(done.steps.every((s) => s.status === 'completed')).toBe(true);
    const ext = await stack.db
      .selectFrom('tsa_student_extensions')
      .selectAll()
      .where('student_unique_id', '=', done.studentRecords.studentUniqueId!)
      .executeTakeFirstOrThrow();
    expect(ext.enrollment_status).toBe('enrolled');
  });
});

describe('redeeming an invitation again after the enrollment has finished', () => {
  it('answers the same, finished enrollment and starts nothing new', async () => {
    const { invitationToken } = await createInvitation(stack);
    const first = await redeem(stack, invitationToken);
    expect(first.statusCode).toBe(201);
    const { enrollmentId } = first.json();
    const handle = stack.client.workflow.getHandle(enrollmentId);
    await handle.signal('cancel', { reason: 'changed our minds' });
    await handle.result();
    const { runId } = await handle.describe();

    const again = await redeem(stack, invitationToken);
    expect(again.statusCode).toBe(200);
    expect(again.json().enrollmentId).toBe(enrollmentId);
    const now = await handle.describe();
    expect(now.runId).toBe(runId);
    expect(now.status.name).toBe('COMPLETED');
  });
});
