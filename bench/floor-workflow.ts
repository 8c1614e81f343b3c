import {
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { EnrollmentStatusKey, EnrollmentStepKey } from '../workflows/messages';

interface FloorActivities {
  floorActivity(): Promise<void>;
}

const { floorActivity } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10s' });
const { floorActivity: floorLocalActivity } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10s' });

export const floorStepUpdate = defineUpdate<number, [number]>('step');
export const floorConfirmSignal = defineSignal<[string]>('confirm');

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

/**
 * The engine floor with what SPEC §3 asks of every enrollment on top, and still no work of its own: the same updates
 * and activity, the two confirmations as signals (consultation, payment), the search attributes upserted on every
 * change, and a no-op local activity on every change standing for the projection write. Whatever the enrollment costs
 * beyond this is its own code; what this costs beyond the floor, any implementation of the spec pays.
 */
export async function specFloorWorkflow(steps: number, signals: number): Promise<void> {
  let done = 0;
  let confirmed = 0;
  let version = 0;
  setHandler(floorStepUpdate, (step) => {
    done = Math.max(done, step);
    version += 1;
    return done;
  });
  setHandler(floorConfirmSignal, () => {
    confirmed += 1;
    version += 1;
  });
  const finished = () => done >= steps && confirmed >= signals;
  const project = async () => {
    let projected = 0;
    while (!finished() || projected < version) {
      await condition(() => version > projected);
      projected = version;
      upsertSearchAttributes([
        { key: EnrollmentStatusKey, value: finished() ? 'enrolled' : 'in_progress' },
        { key: EnrollmentStepKey, value: Math.min(done + 1, steps) },
      ]);
      await floorLocalActivity();
    }
  };
  const work = async () => {
    await condition(() => done >= Math.ceil(steps / 2));
    await floorActivity();
    await condition(finished);
  };
  await Promise.all([project(), work()]);
}
