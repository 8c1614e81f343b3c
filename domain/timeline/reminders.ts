import type { Step, TimelineState } from './types';

/** A step falls due at the start (UTC) of its due date. */
export const dueAt = (dueDate: string): number => Date.parse(`${dueDate}T00:00:00Z`);

const open = (s: Step) => s.status !== 'completed' && s.status !== 'skipped' && s.dueDate !== null;

/** Steps due by `now` that have not been reminded for their current due date. */
export function dueForReminder(state: TimelineState, reminded: Readonly<Record<string, string>>, now: number): Step[] {
  return state.steps.filter((s) => open(s) && reminded[s.stepId] !== s.dueDate && dueAt(s.dueDate as string) <= now);
}

/** When the next reminder falls due, if any step still has one to come. */
export function nextReminderAt(state: TimelineState, reminded: Readonly<Record<string, string>>): number | undefined {
  let next: number | undefined;
  for (const s of state.steps) {
    if (!open(s) || reminded[s.stepId] === s.dueDate) continue;
    const at = dueAt(s.dueDate as string);
    if (next === undefined || at < next) next = at;
  }
  return next;
}

/** Only the reminders of steps that still exist are worth carrying to the next run. */
export function pruneReminded(state: TimelineState, reminded: Record<string, string>): Record<string, string> {
  const ids = new Set(state.steps.map((s) => s.stepId));
  return Object.fromEntries(Object.entries(reminded).filter(([id]) => ids.has(id)));
}
