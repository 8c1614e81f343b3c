import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

let stack: TestStack;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  // No worker in this process: the two worker processes are the only ones on the task queue.
  stack = await createTestStack({ startWorker: false });
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await stack?.close();
});

/** A worker process on this file's task queue and database, resolved once it polls. */
const onStack = () => ({ taskQueue: stack.taskQueue, databaseUrl: stack.databaseUrl, pollersOf: stack.client });

/** The workers that completed the enrollment's workflow tasks, in order, each named once per stretch. */
async function taskWorkers(e: Enrollment): Promise<string[]> {
  const { events } = await stack.client.workflow.getHandle(e.enrollmentId).fetchHistory();
  const identities = events!.flatMap((event) => event.workflowTaskCompletedEventAttributes?.identity ?? []);
  return identities.filter((identity, i) => identity !== identities[i - 1]);
}

describe('two worker processes on one task queue', () => {
  it('one is killed (SIGKILL) mid-enrollment: the other finishes every enrollment with one record set each', async () => {
    const first = await startWorkerProcess(onStack());
    workers.push(first);
    // Opened while the first worker is alone: their workflows are cached on it, and their tasks go to it alone.
    const onFirst = await Promise.all([1, 2, 3].map(() => startEnrollment(stack)));
    await Promise.all(onFirst.map((e) => submitOk(stack, e, 1)));
    const second = await startWorkerProcess(onStack());
    workers.push(second);
    const later = await Promise.all([1, 2, 3].map(() => startEnrollment(stack)));
    const enrollments = [...onFirst, ...later];
    await Promise.all(later.map((e) => submitOk(stack, e, 1)));
    await Promise.all(enrollments.map((e) => throughConsultation(stack, e)));
    // The enrollments whose workflow the first worker holds now (opened while it was alone, at least).
    const held: Enrollment[] = [];
    for (const e of enrollments) if ((await taskWorkers(e)).at(-1) === first.identity) held.push(e);
    expect(held.length).toBeGreaterThanOrEqual(onFirst.length);

    // Step 4 (the record-set write) in flight everywhere when the first worker dies.
    const step4 = enrollments.map((e) =>
      stack.app.inject({
        method: 'PUT',
        url: `/v1/enrollments/${e.enrollmentId}/steps/4`,
        headers: { ...bearer(e.parentToken), 'idempotency-key': 'student-step' },
        payload: payloads[4],
      }),
    );
    await first.kill();

    for (const res of await Promise.all(step4)) {
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
    }
    // What the first worker held, the second took over; after the kill, only the second worked.
    for (const e of held) expect((await taskWorkers(e)).slice(-2)).toEqual([first.identity, second.identity]);
    for (const e of enrollments) expect((await taskWorkers(e)).at(-1)).toBe(second.identity);
  });
});
