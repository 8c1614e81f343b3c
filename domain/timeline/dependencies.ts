import type { CustomFields, Dependency, Step, StepStatus } from './types';
import { addWorkingDays, isoDate, toWorkingIndex } from './working-days';

/** A conditional edge counts only while its condition on the custom fields holds. */
export function isActive(dependency: Dependency, customFields: CustomFields): boolean {
  if (dependency.kind !== 'conditional') return true;
  return dependency.condition !== undefined && customFields[dependency.condition.field] === dependency.condition.equals;
}

export function enforcement(dependency: Dependency, customFields: CustomFields): 'hard' | 'soft' | 'inactive' {
  if (!isActive(dependency, customFields)) return 'inactive';
  return dependency.kind === 'soft' ? 'soft' : 'hard';
}

/** Would `stepId` depending on `dependsOn` close a loop? (Is `stepId` already reachable from `dependsOn`?) */
export function createsCycle(steps: readonly Step[], stepId: string, dependsOn: string): boolean {
  if (stepId === dependsOn) return true;
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  const seen = new Set<string>();
  const stack = [dependsOn];
  while (stack.length) {
    const id = stack.pop() as string;
    if (id === stepId) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const d of byId.get(id)?.dependencies ?? []) stack.push(d.dependsOn);
  }
  return false;
}

const isDone = (status: StepStatus) => status === 'completed' || status === 'skipped';
const isStarted = (status: StepStatus) => status === 'in_progress' || isDone(status);

/**
 * Why `prerequisite` does not yet allow its dependent to start or complete on `today`, or null if it does.
 * FS gates the start on the prerequisite's finish, SS the start on its start, FF the completion on its finish; the
 * lag moves that date by working days (a negative lag, a lead, lets the dependent go before the finish, once the
 * prerequisite has started). A skipped prerequisite allows everything.
 */
export function unmetBy(
  dependency: Dependency,
  prerequisite: Step,
  transition: 'start' | 'complete',
  today: string,
): string | null {
  if (prerequisite.status === 'skipped') return null;
  const gates = dependency.relation === 'FF' ? transition === 'complete' : transition === 'start';
  if (!gates) return null;
  const name = `"${prerequisite.name}" (${prerequisite.stepId})`;
  const lag = dependency.lagDays;
  if (dependency.relation === 'SS') {
    if (!isStarted(prerequisite.status) || !prerequisite.startedAt) return `${name} has not started`;
    const allowed = addWorkingDays(isoDate(prerequisite.startedAt), lag);
    return toWorkingIndex(today) < toWorkingIndex(allowed) ? `${name} started; this may start from ${allowed}` : null;
  }
  const verb = dependency.relation === 'FF' ? 'complete' : 'start';
  if (lag < 0) {
    if (isDone(prerequisite.status)) return null;
    if (!isStarted(prerequisite.status) || !prerequisite.startedAt) return `${name} has not started`;
    const finish = addWorkingDays(isoDate(prerequisite.startedAt), prerequisite.durationDays);
    const allowed = addWorkingDays(finish, lag);
    return toWorkingIndex(today) < toWorkingIndex(allowed)
      ? `with its lead on ${name}, this may ${verb} from ${allowed}`
      : null;
  }
  if (!isDone(prerequisite.status) || !prerequisite.completedAt) return `${name} is not complete`;
  const allowed = addWorkingDays(isoDate(prerequisite.completedAt), lag);
  return toWorkingIndex(today) < toWorkingIndex(allowed) ? `${name} completed; this may ${verb} from ${allowed}` : null;
}

export interface Blocker {
  dependsOn: string;
  kind: 'hard' | 'soft';
  relation: Dependency['relation'];
  message: string;
}

/** The dependencies of `step` that stand in the way of its next transition (start, or completion once started). */
export function blockersOf(step: Step, byId: ReadonlyMap<string, Step>, customFields: CustomFields, today: string) {
  if (isDone(step.status)) return [];
  const transitions: ('start' | 'complete')[] = isStarted(step.status) ? ['complete'] : ['start', 'complete'];
  return blockersFor(step, transitions, byId, customFields, today);
}

export function blockersFor(
  step: Step,
  transitions: readonly ('start' | 'complete')[],
  byId: ReadonlyMap<string, Step>,
  customFields: CustomFields,
  today: string,
): Blocker[] {
  const blockers: Blocker[] = [];
  for (const dependency of step.dependencies) {
    const kind = enforcement(dependency, customFields);
    const prerequisite = byId.get(dependency.dependsOn);
    if (kind === 'inactive' || !prerequisite) continue;
    for (const transition of transitions) {
      const message = unmetBy(dependency, prerequisite, transition, today);
      if (message) {
        blockers.push({ dependsOn: dependency.dependsOn, kind, relation: dependency.relation, message });
        break;
      }
    }
  }
  return blockers;
}
