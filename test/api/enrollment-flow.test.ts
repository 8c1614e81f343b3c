import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../helpers/stack';
import { createInvitation, redeem } from '../helpers/enrollment';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

// The complete flow, column by column: test/api/enrollment-records.test.ts (complete flow).
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
