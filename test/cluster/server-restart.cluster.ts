import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { countRecordSet } from '../../db/repositories/student-records';
import type { EnrollmentProgress } from '../../workflows/messages';
import {
  bearer,
  confirmPayment,
  ONE_RECORD_SET,
  payloads,
  startEnrollment,
  submitOk,
  throughConsultation,
  waitForValue,
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';
import { startTestCluster, type TestCluster } from './temporal-cluster';

// A server of this file's own: killing the run's shared one would fail every other file running meanwhile.
let cluster: TestCluster;
let stack: TestStack;
beforeAll(async () => {
  cluster = await startTestCluster({ postgresUrl: inject('databaseUrl'), dataDir: inject('tmpDir'), name: 'restart' });
  stack = await createTestStack({ temporalAddress: cluster.address });
});
afterAll(async () => {
  await stack?.close();
  await cluster?.close();
});

function submitStudentStep(e: Enrollment) {
  return stack.app.inject({
    method: 'PUT',
    url: `/v1/enrollments/${e.enrollmentId}/steps/4`,
    headers: { ...bearer(e.parentToken), 'idempotency-key': 'student-step' },
    payload: payloads[4],
  });
}

describe('the Temporal server killed (SIGKILL) and restarted while enrollments are open', () => {
  it('every enrollment completes once it is back, none duplicated, one record set each', async () => {
    const enrollments = await Promise.all([1, 2, 3, 4].map(() => startEnrollment(stack)));
    await Promise.all(enrollments.map((e) => throughConsultation(stack, e)));

    // The server dies while the student step's workflow tasks run: once one record set is written, before the
    // server has recorded every task's completion.
    const step4 = enrollments.map(submitStudentStep);
    await waitForValue(
      () =>
        stack.db
          .selectFrom('students')
          .select('enrollment_id')
          .where(
            'enrollment_id',
            'in',
            enrollments.map((e) => e.enrollmentId),
          )
          .execute(),
      (rows) => rows.length > 0,
      'a first record set',
    );
    const killedPid = cluster.pid();
    await cluster.kill();
    await cluster.restart();
    expect(cluster.pid()).not.toBe(killedPid);

    // A parent whose submission failed while the server was away sends it again, with the same idempotency key.
    for (const [i, pending] of step4.entries()) {
      let res = await pending;
      if (res.statusCode !== 200) res = await submitStudentStep(enrollments[i]!);
      expect(res.statusCode, res.body).toBe(200);
      expect((res.json() as EnrollmentProgress).steps[3]).toMatchObject({ status: 'completed' });
    }
    for (const e of enrollments) {
      await submitOk(stack, e, 5);
      await submitOk(stack, e, 6);
      await confirmPayment(stack, e);
    }
    for (const e of enrollments) {
      const done = (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
      expect(done).toMatchObject({ status: 'enrolled', studentRecords: { status: 'created' } });
      expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
      // One run per enrollment, and the student step accepted once in its history.
      const runs = [];
      for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${e.enrollmentId}'` })) runs.push(run);
      expect(runs).toHaveLength(1);
      const { events } = await stack.client.workflow.getHandle(e.enrollmentId).fetchHistory();
      const studentStep = events!.filter(
        (event) =>
          event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId ===
          `${e.enrollmentId}:student-step`,
      );
      expect(studentStep).toHaveLength(1);
    }
    const rows = await stack.db
      .selectFrom('enrollments')
      .select('enrollment_id')
      .where(
        'enrollment_id',
        'in',
        enrollments.map((e) => e.enrollmentId),
      )
      .execute();
    expect(rows).toHaveLength(enrollments.length);
  });
});
