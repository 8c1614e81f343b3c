import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelOk,
  confirmPayment,
  payloads,
  startEnrollment,
  submitOk,
  throughConsultation,
  waitForProgress,
  waitForValue,
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

/**
 * The visibility queries operators run (README, Operations) answer the same on the dev server (`npm test`) and on the
 * production shape's SQL visibility (`npm run test:cluster`): this file runs in both suites.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

describe("operators' search-attribute queries", () => {
  it('find enrollments by status, step, student-record status, coach and school', async () => {
    // This test's own coach, so the queries see only its enrollments.
    const coachId = `coach-${randomUUID()}`;
    const open = (): Promise<Enrollment> => startEnrollment(stack, { coachId });

    const atStep2 = await open();
    await submitOk(stack, atStep2, 1);
    const registered = await open();
    await throughConsultation(stack, registered);
    await submitOk(stack, registered, 4);
    await waitForProgress(stack, registered, (p) => p.studentRecords.status === 'created');
    // Enrolled, its record set refused (a birth date after school entry) and waiting for an operator.
    const failed = await open();
    await throughConsultation(stack, failed);
    await submitOk(stack, failed, 4, { ...payloads[4], birthDate: '2099-01-01' });
    await waitForProgress(stack, failed, (p) => p.studentRecords.status === 'failed');
    await submitOk(stack, failed, 5);
    await submitOk(stack, failed, 6);
    await confirmPayment(stack, failed);
    await waitForProgress(stack, failed, (p) => p.status === 'enrolled');
    const cancelled = await open();
    await cancelOk(stack, cancelled);
    await stack.client.workflow.getHandle(cancelled.enrollmentId).result();

    const expectations: [string, Enrollment[]][] = [
      ["EnrollmentStatus = 'in_progress'", [atStep2]],
      ['EnrollmentStep = 2', [atStep2]],
      ["EnrollmentStatus = 'registered' AND StudentRecordsStatus = 'created'", [registered]],
      ["StudentRecordsStatus = 'failed'", [failed]],
      ["ExecutionStatus = 'Running' AND EnrollmentStatus IN ('registered', 'enrolled')", [registered, failed]],
      ["EnrollmentStatus = 'cancelled' AND ExecutionStatus = 'Completed'", [cancelled]],
      ['SchoolId = 1', [atStep2, registered, failed, cancelled]],
    ];
    for (const [filter, expected] of expectations) {
      const query = `CoachId = '${coachId}' AND ${filter}`;
      const ids = expected.map((e) => e.enrollmentId).sort();
      // Visibility is eventually consistent: wait for the server's own answer to catch up.
      await waitForValue(
        () => listIds(query),
        (found) => sameIds(found, ids),
        query,
      );
      expect((await stack.client.workflow.count(query)).count, query).toBe(ids.length);
    }
  });
});

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids.sort();
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
