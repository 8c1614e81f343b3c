import { describe, expect, it } from 'vitest';
import {
  buildPayload,
  firstOpenStep,
  issuesByField,
  loadParentSession,
  reachableStep,
  saveParentSession,
  STEP_FIELDS,
  STUDENT_FIELDS,
  type StepStatus,
} from '../../web/src/form-state';

const steps = (...statuses: StepStatus['status'][]): StepStatus[] =>
  statuses.map((status, i) => ({ step: i + 1, status }));

/** A Storage as the browser's localStorage behaves, for the session functions. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

describe("the parent's form state", () => {
  it('builds the nested step 1 payload, leaving out an empty optional field', () => {
    const payload = buildPayload(STEP_FIELDS[1]!, {
      'guardian.firstName': 'Maria',
      'guardian.email': 'maria@example.com',
      'address.line1': '100 Congress Ave',
      'address.line2': '  ',
      'address.state': 'TX',
    });
    expect(payload).toEqual({
      guardian: {
        firstName: 'Maria',
        lastName: '',
        email: 'maria@example.com',
        phone: '',
        relationship: '',
      },
      address: { line1: '100 Congress Ave', city: '', state: 'TX', postalCode: '' },
    });
  });

  it('sends yes/no as a boolean, lists as arrays, and a local date-time with its offset', () => {
    const student = buildPayload(STUDENT_FIELDS, { hispanicLatinoEthnicity: 'no', races: ['White'] });
    expect(student).toMatchObject({ hispanicLatinoEthnicity: false, races: ['White'] });
    const consultation = buildPayload(STEP_FIELDS[3]!, { scheduledAt: '2026-12-10T15:30' });
    expect(consultation.scheduledAt).toBe(new Date('2026-12-10T15:30').toISOString());
  });

  it("sends only the fields filled in as an operator's corrections", () => {
    expect(buildPayload(STUDENT_FIELDS, { birthDate: '2012-03-14', races: [] }, { onlyFilled: true })).toEqual({
      birthDate: '2012-03-14',
    });
  });

  it("puts each API issue under its field, an item's under its list, the rest on the form", () => {
    const byField = issuesByField(
      [
        { path: 'guardian.phone', message: 'must be a phone number' },
        { path: 'sportInterests.1', message: 'must not repeat sport "soccer"' },
        { path: '', message: 'step 2 is out of order' },
      ],
      [...STEP_FIELDS[1]!, ...STEP_FIELDS[2]!],
    );
    expect(byField).toEqual({
      'guardian.phone': 'must be a phone number',
      sportInterests: 'must not repeat sport "soccer"',
      '': 'step 2 is out of order',
    });
    expect(issuesByField([{ path: 'corrections.birthDate', message: 'bad' }], STUDENT_FIELDS, 'corrections.')).toEqual({
      birthDate: 'bad',
    });
  });

  it('never shows a step beyond the first open one, and shows any completed step', () => {
    const progress = steps('completed', 'completed', 'awaiting_confirmation', 'pending', 'pending', 'pending');
    expect(firstOpenStep(progress)).toBe(3);
    expect(reachableStep(undefined, progress)).toBe(3);
    expect(reachableStep(5, progress)).toBe(3);
    expect(reachableStep(1, progress)).toBe(1);
    expect(reachableStep(0, progress)).toBe(3);
    expect(reachableStep(Number.NaN, progress)).toBe(3);
    expect(firstOpenStep(steps('completed', 'completed', 'completed', 'completed', 'completed', 'completed'))).toBe(7);
  });

  it('keeps the session per invitation, and ignores what is not one', () => {
    const storage = memoryStorage();
    expect(loadParentSession(storage, 'abc')).toBeUndefined();
    saveParentSession(storage, 'abc', { enrollmentId: 'E1', parentToken: 't', answers: { 1: { x: 'y' } } });
    expect(loadParentSession(storage, 'abc')).toEqual({
      enrollmentId: 'E1',
      parentToken: 't',
      answers: { 1: { x: 'y' } },
    });
    expect(loadParentSession(storage, 'other')).toBeUndefined();
    storage.setItem('tsa.parent.broken', '{not json');
    expect(loadParentSession(storage, 'broken')).toBeUndefined();
  });
});
