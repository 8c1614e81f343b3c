import { blockersOf, isActive, type Blocker } from './dependencies';
import type { Dependency, Step, TimelineState } from './types';
import { fromWorkingIndex, isoDate, toWorkingIndex, type IsoDate } from './working-days';

export interface StepSchedule {
  stepId: string;
  earliestStart: IsoDate;
  earliestFinish: IsoDate;
  latestStart: IsoDate;
  latestFinish: IsoDate;
  slackDays: number;
  critical: boolean;
}

export interface TimelineAnalytics {
  timelineId: string;
  sequence: number;
  asOf: IsoDate;
  totalSteps: number;
  completedSteps: number;
  completionPercent: number;
  overdueSteps: { stepId: string; name: string; dueDate: IsoDate; workingDaysOverdue: number }[];
  blockedSteps: { stepId: string; name: string; status: Step['status']; blockers: Blocker[] }[];
  targetLaunchDate: IsoDate;
  projectedLaunchDate: IsoDate;
  /** Working days the projection is ahead of (positive) or behind (negative) the target. */
  workingDaysAheadOfTarget: number;
  criticalPath: string[];
  schedule: StepSchedule[];
}

const isDone = (s: Step) => s.status === 'completed' || s.status === 'skipped';

/**
 * Steps in dependency order over the given edges (Kahn's algorithm: each step and each edge is visited once).
 * Edges onto unknown steps are ignored; cycles cannot exist (they are refused when an edge is added).
 */
function topologicalOrder(steps: readonly Step[], edges: ReadonlyMap<string, Dependency[]>): Step[] {
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  const indegree = new Map<string, number>();
  const successors = new Map<string, string[]>();
  for (const step of steps) {
    const deps = (edges.get(step.stepId) ?? []).filter((d) => byId.has(d.dependsOn));
    indegree.set(step.stepId, deps.length);
    for (const d of deps) {
      const list = successors.get(d.dependsOn);
      if (list) list.push(step.stepId);
      else successors.set(d.dependsOn, [step.stepId]);
    }
  }
  const queue = steps.filter((s) => indegree.get(s.stepId) === 0);
  for (let head = 0; head < queue.length; head++) {
    for (const next of successors.get((queue[head] as Step).stepId) ?? []) {
      const left = (indegree.get(next) as number) - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(byId.get(next) as Step);
    }
  }
  return queue;
}

/**
 * Completion, overdue and blocked steps, and the schedule: a forward pass (earliest start and finish, from actual
 * dates where a step has them, planned starts, and today) and a backward pass from the projected launch (latest
 * start and finish, slack) over the active edges, in working days. Linear in steps plus edges.
 */
export function analyze(state: TimelineState, now: string): TimelineAnalytics {
  const today = isoDate(now);
  const todayIndex = toWorkingIndex(today);
  const { steps, customFields } = state;
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  const edges = new Map(steps.map((s) => [s.stepId, s.dependencies.filter((d) => isActive(d, customFields))]));
  const order = topologicalOrder(steps, edges);

  // Working-day indices; a step occupies [start, finish), so a zero-length step is a milestone.
  const es = new Map<string, number>();
  const ef = new Map<string, number>();
  for (const step of order) {
    const duration = step.status === 'skipped' ? 0 : step.durationDays;
    let start: number;
    if (step.startedAt) start = toWorkingIndex(isoDate(step.startedAt));
    else {
      start = Math.max(todayIndex, step.plannedStart ? toWorkingIndex(step.plannedStart) : todayIndex);
      for (const d of edges.get(step.stepId) ?? []) {
        const pStart = es.get(d.dependsOn);
        const pFinish = ef.get(d.dependsOn);
        if (pStart === undefined || pFinish === undefined) continue;
        if (d.relation === 'FS') start = Math.max(start, pFinish + d.lagDays);
        else if (d.relation === 'SS') start = Math.max(start, pStart + d.lagDays);
        else start = Math.max(start, pFinish + d.lagDays - duration);
      }
    }
    let finish = start + duration;
    if (step.completedAt) finish = Math.max(start, toWorkingIndex(isoDate(step.completedAt)) + 1);
    else if (step.startedAt) finish = Math.max(finish, todayIndex + (duration > 0 ? 1 : 0));
    es.set(step.stepId, start);
    ef.set(step.stepId, finish);
  }
  const projectEnd = Math.max(todayIndex, ...ef.values());

  const lf = new Map<string, number>();
  const ls = new Map<string, number>();
  for (const step of order) lf.set(step.stepId, projectEnd);
  for (let i = order.length - 1; i >= 0; i--) {
    const step = order[i] as Step;
    const duration = (ef.get(step.stepId) as number) - (es.get(step.stepId) as number);
    const latestFinish = lf.get(step.stepId) as number;
    const latestStart = latestFinish - duration;
    ls.set(step.stepId, latestStart);
    for (const d of edges.get(step.stepId) ?? []) {
      const current = lf.get(d.dependsOn);
      if (current === undefined) continue;
      const pDuration = (ef.get(d.dependsOn) as number) - (es.get(d.dependsOn) as number);
      const bound =
        d.relation === 'FS'
          ? latestStart - d.lagDays
          : d.relation === 'SS'
            ? latestStart - d.lagDays + pDuration
            : latestFinish - d.lagDays;
      if (bound < current) lf.set(d.dependsOn, bound);
    }
  }

  const schedule = order.map((step): StepSchedule => {
    const id = step.stepId;
    const slack = (ls.get(id) as number) - (es.get(id) as number);
    const finishDay = (start: number, finish: number) => fromWorkingIndex(Math.max(start, finish - 1));
    return {
      stepId: id,
      earliestStart: fromWorkingIndex(es.get(id) as number),
      earliestFinish: finishDay(es.get(id) as number, ef.get(id) as number),
      latestStart: fromWorkingIndex(ls.get(id) as number),
      latestFinish: finishDay(ls.get(id) as number, lf.get(id) as number),
      slackDays: slack,
      critical: slack <= 0 && !isDone(step),
    };
  });
  const lastStart = Math.max(todayIndex, ...order.map((s) => es.get(s.stepId) as number));
  const projectedLaunchDate = fromWorkingIndex(Math.max(lastStart, projectEnd - 1));
  const completedSteps = steps.filter(isDone).length;
  const targetIndex = toWorkingIndex(state.targetLaunchDate);

  return {
    timelineId: state.timelineId,
    sequence: state.sequence,
    asOf: today,
    totalSteps: steps.length,
    completedSteps,
    completionPercent: steps.length === 0 ? 100 : Math.round((completedSteps / steps.length) * 1000) / 10,
    overdueSteps: steps
      .filter((s) => !isDone(s) && s.dueDate !== null && s.dueDate < today)
      .map((s) => ({
        stepId: s.stepId,
        name: s.name,
        dueDate: s.dueDate as string,
        workingDaysOverdue: todayIndex - toWorkingIndex(s.dueDate as string),
      })),
    blockedSteps: steps.flatMap((s) => {
      const blockers = blockersOf(s, byId, customFields, today).filter((b) => b.kind === 'hard');
      return blockers.length > 0 || s.status === 'blocked'
        ? [{ stepId: s.stepId, name: s.name, status: s.status, blockers }]
        : [];
    }),
    targetLaunchDate: state.targetLaunchDate,
    projectedLaunchDate,
    workingDaysAheadOfTarget: targetIndex - toWorkingIndex(projectedLaunchDate),
    criticalPath: schedule.filter((s) => s.critical).map((s) => s.stepId),
    schedule,
  };
}
