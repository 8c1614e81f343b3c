import type { Step, TimelineEvent, TimelineState } from './types';

export interface RankedStep {
  step: Step;
  /** Position in the timeline, from 0: the numeric order the tables and the API show. */
  rank: number;
}

export interface StepsDiff {
  changed: RankedStep[];
  removed: string[];
}

function sameStep(a: Step, b: Step): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The steps to write for the timeline to go from `before` to `after`: those added, changed or shifted in rank, and
 * those removed. From nothing, every step.
 */
export function diffSteps(before: TimelineState | undefined, after: TimelineState): StepsDiff {
  const previous = new Map((before?.steps ?? []).map((step, rank) => [step.stepId, { step, rank }]));
  const changed = after.steps.flatMap((step, rank) => {
    const old = previous.get(step.stepId);
    return old && old.rank === rank && sameStep(old.step, step) ? [] : [{ step, rank }];
  });
  const kept = new Set(after.steps.map((s) => s.stepId));
  const removed = [...previous.keys()].filter((id) => !kept.has(id));
  return { changed, removed };
}

/** What one projection write carries: the new events, the steps they changed, and the timeline they lead to. */
export interface TimelineProjection {
  timeline: Omit<TimelineState, 'steps'>;
  events: TimelineEvent[];
  changed: RankedStep[];
  removed: string[];
}
