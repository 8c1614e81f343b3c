import { blockersOf, type Blocker } from './dependencies';
import type { Step, TimelineState } from './types';
import { isoDate } from './working-days';

export type StepView = Step & { orderIndex: number; blockers: Blocker[] };
export type TimelineView = Omit<TimelineState, 'steps'> & { steps: StepView[] };

/** The timeline as the API shows it: steps in order with a numeric `orderIndex` and what blocks each one today. */
export function timelineView(state: TimelineState, now: string): TimelineView {
  const byId = new Map(state.steps.map((s) => [s.stepId, s]));
  const today = isoDate(now);
  return {
    ...state,
    steps: state.steps.map((step, orderIndex) => ({
      ...step,
      orderIndex,
      blockers: blockersOf(step, byId, state.customFields, today),
    })),
  };
}
