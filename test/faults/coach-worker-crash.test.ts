import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitForValue } from '../helpers/enrollment';
import { candidateOf, passQuiz, signUp, throughBackgroundCheckRequest, waitForCoach } from '../helpers/coaches';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  stack = await createTestStack({ backgroundChecks: {}, startWorker: false });
});
afterAll(async () => {
  for (const worker of workers) await worker.kill();
  await stack?.close();
});

it(
  'a worker killed while the check is out: the result lands, and a new worker carries on',
  { timeout: 180_000 },
  async () => {
    const first = await startWorkerProcess({
      taskQueue: stack.taskQueue,
      databaseUrl: stack.databaseUrl,
      backgroundCheckUrl: stack.simulator!.url,
    });
    workers.push(first);
    const coach = await signUp(stack);
    // `Held`: the simulator keeps the report's events until the test releases them.
    await throughBackgroundCheckRequest(stack, coach, 'Rivera-Held');
    const candidate = await candidateOf(stack, coach);

    await first.kill();
    const released = await fetch(`${stack.simulator!.url}/__simulator/candidates/${candidate}/release`, {
      method: 'POST',
    });
    expect(released.status).toBe(202);
    // With no worker alive, the API still accepts every event: the server holds the signals.
    const deliveries = await waitForValue(
      async () => stack.simulator!.deliveries().filter((d) => d.candidateId === candidate),
      (d) => d.length === 3,
      'three deliveries',
    );
    expect(deliveries.map((d) => d.status)).toEqual([202, 202, 202]);

    // The new worker runs in this process: only the one killed had to be a process of its own.
    await stack.startWorker();
    const passed = await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'passed', 60_000);
    expect(passed.steps[2]).toMatchObject({ status: 'completed' });
    const checks = await waitForValue(
      () => stack.db.selectFrom('background_checks').selectAll().where('coach_id', '=', coach.coachId).execute(),
      (rows) => rows[0]?.status === 'passed',
      'the background check row',
    );
    expect(checks).toMatchObject([{ status: 'passed', report_result: 'clear' }]);
    // And the onboarding goes on from there.
    expect((await passQuiz(stack, coach)).currentStep).toBe(5);
  },
);
