import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueForReminder, nextReminderAt } from '../../../domain/timeline';
import { addWorkingDays, fromWorkingIndex, toWorkingIndex, workingDaysBetween } from '../../../domain/timeline';
import { newSession } from './fixtures';

describe('working days', () => {
  it('skip weekends: Friday plus one is Monday, a Saturday counts as the Monday after', () => {
    expect(addWorkingDays('2027-03-05', 1)).toBe('2027-03-08');
    expect(addWorkingDays('2027-03-08', -1)).toBe('2027-03-05');
    expect(toWorkingIndex('2027-03-06')).toBe(toWorkingIndex('2027-03-08'));
    expect(workingDaysBetween('2027-03-01', '2027-03-15')).toBe(10);
  });

  it('index and date round-trip, and every index is a weekday', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), (i) => {
        const date = fromWorkingIndex(i);
        expect(toWorkingIndex(date)).toBe(i);
        expect([1, 2, 3, 4, 5]).toContain(new Date(`${date}T00:00:00Z`).getUTCDay());
      }),
    );
  });
});

describe('due reminders', () => {
  it('are due from the start of the due date, once per step and due date', () => {
    const { timeline } = newSession();
    const launch = timeline.steps.find((s) => s.stepId === 'launch')!;
    const at = Date.parse(`${launch.dueDate}T00:00:00Z`);
    expect(dueForReminder(timeline, {}, at - 1).map((s) => s.stepId)).not.toContain('launch');
    expect(dueForReminder(timeline, {}, at).map((s) => s.stepId)).toContain('launch');
    expect(dueForReminder(timeline, { launch: launch.dueDate! }, at).map((s) => s.stepId)).not.toContain('launch');
    const first = Math.min(...timeline.steps.map((s) => Date.parse(`${s.dueDate}T00:00:00Z`)));
    expect(nextReminderAt(timeline, {})).toBe(first);
  });
});
