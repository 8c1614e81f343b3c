import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

const { floorActivity } = proxyActivities<{ floorActivity(): Promise<void> }>({ startToCloseTimeout: '10s' });

export const floorStepUpdate = defineUpdate<number, [number]>('step');

/**
 * The engine floor the enrollment benchmark compares against: the same number of updates and one activity, and
 * nothing else — what Temporal itself costs on this machine.
 */
export async function floorWorkflow(steps: number): Promise<void> {
  let done = 0;
  setHandler(floorStepUpdate, (step) => {
    done = Math.max(done, step);
    return done;
  });
  await condition(() => done >= Math.ceil(steps / 2));
  await floorActivity();
  await condition(() => done >= steps);
}
