import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  checkView,
  coachIdFromToken,
  coachStepPayload,
  countByStatus,
  delayUntil,
  DONE,
  invitationLink,
  invitationPayload,
  openQuizAttempts,
  pollUntil,
  schoolOpen,
  stepLocked,
  startPolling,
  stepToShow,
  unanswered,
  waitingOnOthers,
  type CoachProgressView,
} from '../../web/src/coach-state';

type StepStatus = CoachProgressView['steps'][number]['status'];

function progress(statuses: StepStatus[], more: Partial<Omit<CoachProgressView, 'steps'>> = {}): CoachProgressView {
  const steps = statuses.map((status, i) => ({ step: i + 1, status }));
  return {
    status: 'in_progress',
    currentStep: steps.find((s) => s.status === 'pending')?.step ?? 5,
    steps,
    backgroundCheck: { status: 'not_started' },
    quiz: { attempts: 0, passed: false },
    ...more,
  };
}

const fresh = progress(['pending', 'pending', 'pending', 'pending', 'pending']);
const checkPending = progress(['completed', 'completed', 'awaiting_result', 'pending', 'pending'], {
  backgroundCheck: { status: 'pending' },
});
const quizPassedCheckPending = progress(['completed', 'completed', 'awaiting_result', 'completed', 'pending'], {
  backgroundCheck: { status: 'pending' },
  quiz: { attempts: 1, passed: true, bestScore: 90 },
});
const readyForSchool = progress(['completed', 'completed', 'completed', 'completed', 'pending'], {
  backgroundCheck: { status: 'passed', result: 'clear' },
  quiz: { attempts: 2, passed: true, bestScore: 90 },
});

describe('which onboarding step the wizard shows', () => {
  it('resumes at the first open step, and at the background check while the school waits on it', () => {
    expect(stepToShow(undefined, fresh)).toBe(1);
    expect(stepToShow(undefined, checkPending)).toBe(4);
    expect(stepToShow(undefined, quizPassedCheckPending)).toBe(3);
    expect(stepToShow(undefined, readyForSchool)).toBe(5);
    expect(stepToShow(undefined, { ...readyForSchool, status: 'completed' })).toBe(DONE);
  });

  it('never shows a step beyond the first open one, whatever `?step=` asks', () => {
    expect(stepToShow(5, fresh)).toBe(1);
    expect(stepToShow(3, progress(['completed', 'pending', 'pending', 'pending', 'pending']))).toBe(2);
    expect(stepToShow(1, checkPending)).toBe(1);
    expect(stepToShow(0, checkPending)).toBe(4);
    expect(stepToShow(2.5, checkPending)).toBe(4);
    expect(stepToShow(9, { ...readyForSchool, status: 'completed' })).toBe(DONE);
  });

  it('locks steps 1–3 once the check has started, the quiz once passed, the school once submitted', () => {
    expect(stepLocked(1, fresh)).toBe(false);
    expect(stepLocked(2, checkPending)).toBe(true);
    expect(stepLocked(4, checkPending)).toBe(false);
    expect(stepLocked(4, quizPassedCheckPending)).toBe(true);
    expect(stepLocked(5, readyForSchool)).toBe(false);
    expect(stepLocked(5, { ...readyForSchool, schoolId: 7 })).toBe(true);
  });

  it('opens the school only with the quiz and the check both passed', () => {
    expect(schoolOpen(quizPassedCheckPending)).toBe(false);
    expect(schoolOpen(readyForSchool)).toBe(true);
  });
});

describe('the background check as the coach reads it', () => {
  it('names a pass by how it passed', () => {
    expect(checkView({ status: 'passed', result: 'clear' })).toBe('clear');
    expect(checkView({ status: 'passed', result: 'consider' })).toBe('passed_review');
    expect(checkView({ status: 'needs_review', result: 'consider' })).toBe('needs_review');
    expect(checkView({ status: 'expired' })).toBe('expired');
  });

  it('is followed while the provider or ops have it, and while the school is set up', () => {
    expect(waitingOnOthers(fresh)).toBe(false);
    expect(waitingOnOthers(checkPending)).toBe(true);
    expect(waitingOnOthers({ ...checkPending, backgroundCheck: { status: 'needs_review' } })).toBe(true);
    expect(waitingOnOthers(readyForSchool)).toBe(false);
    expect(waitingOnOthers({ ...readyForSchool, schoolId: 7 })).toBe(true);
    expect(waitingOnOthers({ ...readyForSchool, schoolId: 7, status: 'completed' })).toBe(false);
    expect(waitingOnOthers({ ...checkPending, status: 'failed' })).toBe(false);
  });
});

describe("the steps' payloads", () => {
  it('splits the locations on ;, sends the capacity as a number and leaves an empty bio out', () => {
    expect(
      coachStepPayload(1, {
        sportSpecialties: ['basketball'],
        locationPreferences: 'Austin, TX; Round Rock, TX ;',
        capacity: ' 12 ',
        bio: '',
      }),
    ).toEqual({
      sportSpecialties: ['basketball'],
      locationPreferences: ['Austin, TX', 'Round Rock, TX'],
      capacity: 12,
    });
  });

  it('sends a capacity that is no whole number as typed, for the API to name', () => {
    expect(coachStepPayload(1, { capacity: 'twelve' }).capacity).toBe('twelve');
  });

  it('sends the consent as a boolean and the address nested', () => {
    expect(coachStepPayload(3, { consent: 'yes', legalLastName: 'Rivera' })).toMatchObject({
      consent: true,
      legalLastName: 'Rivera',
    });
    expect(
      coachStepPayload(5, { 'address.line1': '1 Main St', 'address.city': 'Austin', gradesServed: ['06'] }),
    ).toMatchObject({ address: { line1: '1 Main St', city: 'Austin' }, gradesServed: ['06'] });
  });

  it("builds the invitation's body: numbers as numbers, no sport when none is chosen", () => {
    expect(invitationPayload({ parentEmail: 'p@example.com', schoolId: '12', sport: '', expiresInDays: '7' })).toEqual({
      parentEmail: 'p@example.com',
      schoolId: 12,
      expiresInDays: 7,
    });
    expect(invitationPayload({ parentEmail: 'p@example.com', schoolId: '12', sport: 'soccer' })).toMatchObject({
      sport: 'soccer',
      expiresInDays: 14,
    });
  });
});

describe('the quiz, the token and the invitations', () => {
  it('lists the questions still unanswered, in order', () => {
    expect(unanswered(['Q01', 'Q02', 'Q03'], { Q02: 'a' })).toEqual(['Q01', 'Q03']);
    expect(unanswered(['Q01'], { Q01: 'b' })).toEqual([]);
  });

  const jwt = (claims: Record<string, unknown>) =>
    `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

  it("reads the coach from a pasted coach token's claims, and nothing from any other token", () => {
    const coachId = 'TSA-COACH-20261201-ABC123';
    expect(coachIdFromToken(` ${jwt({ role: 'coach', sub: coachId, coachId })}\n`)).toBe(coachId);
    expect(coachIdFromToken(jwt({ role: 'coach', sub: coachId }))).toBe(coachId);
    expect(coachIdFromToken(jwt({ role: 'ops', sub: coachId }))).toBeUndefined();
    expect(coachIdFromToken(jwt({ role: 'coach', sub: 'someone' }))).toBeUndefined();
    expect(coachIdFromToken('not a token')).toBeUndefined();
    expect(coachIdFromToken('a.%%%.c')).toBeUndefined();
  });

  it('counts the invitations of every status, and builds the family’s link in the page’s language', () => {
    expect(countByStatus([{ status: 'pending' }, { status: 'pending' }, { status: 'expired' }])).toEqual({
      pending: 2,
      redeemed: 0,
      expired: 1,
      revoked: 0,
    });
    expect(invitationLink('http://127.0.0.1:3000', 'es', 'tok123')).toBe('http://127.0.0.1:3000/es/join/tok123');
  });
});

describe('waiting for the next quiz attempt', () => {
  const now = Date.parse('2026-12-02T10:00:00.000Z');

  it('waits until a second after the time the refusal names, never less than nothing', () => {
    expect(delayUntil('2026-12-02T10:05:00.000Z', now)).toBe(5 * 60_000 + 1_000);
    expect(delayUntil('2026-12-02T09:00:00.000Z', now)).toBe(0);
    expect(delayUntil('not a time', now)).toBe(0);
  });

  it('keeps within what a browser timer takes', () => {
    expect(delayUntil('2027-12-02T10:00:00.000Z', now)).toBe(2 ** 31 - 1);
  });
});

describe('the open quiz attempt kept for the tab', () => {
  const memory = () => {
    const items = new Map<string, string>();
    return {
      items,
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    };
  };
  const attempt = {
    attemptId: 'TSA-COACH-20261202-ABC123-Q1',
    questions: [
      { questionId: 'Q01', text: 'First?', choices: [{ choiceId: 'a', text: 'A' }] },
      { questionId: 'Q02', text: 'Second?', choices: [{ choiceId: 'b', text: 'B' }] },
    ],
    answers: { Q01: 'a' },
  };

  it('brings back the same questions and the answers chosen so far, for that coach only', () => {
    const storage = memory();
    openQuizAttempts(storage).set('TSA-COACH-20261202-ABC123', attempt);
    // A reload builds the store anew from the same storage.
    expect(openQuizAttempts(storage).get('TSA-COACH-20261202-ABC123')).toEqual(attempt);
    expect(openQuizAttempts(storage).get('TSA-COACH-20261202-XYZ789')).toBeUndefined();
  });

  it('forgets the attempt once cleared (submitted), and ignores what it cannot read', () => {
    const storage = memory();
    const store = openQuizAttempts(storage);
    store.set('TSA-COACH-20261202-ABC123', attempt);
    store.clear('TSA-COACH-20261202-ABC123');
    expect(store.get('TSA-COACH-20261202-ABC123')).toBeUndefined();
    expect(storage.items.size).toBe(0);
    for (const raw of ['{', '{"attemptId":1}', '{"attemptId":"x","questions":[{"questionId":"Q01"}]}']) {
      storage.items.set('tsa.coach.quiz-attempt.TSA-COACH-20261202-ABC123', raw);
      expect(store.get('TSA-COACH-20261202-ABC123')).toBeUndefined();
    }
  });
});

describe('following the background check without asking every 1.5 s for hours', () => {
  /** A page whose visibility the test switches, as the browser's `document` does. */
  class FakeDocument {
    hidden = false;
    private readonly listeners = new Set<() => void>();
    addEventListener(_type: 'visibilitychange', listener: () => void) {
      this.listeners.add(listener);
    }
    removeEventListener(_type: 'visibilitychange', listener: () => void) {
      this.listeners.delete(listener);
    }
    set(hidden: boolean) {
      this.hidden = hidden;
      for (const listener of this.listeners) listener();
    }
  }

  let polledAt: number[];
  let start: number;
  let outcome: () => Promise<unknown>;
  const poll = () => {
    polledAt.push(Date.now() - start);
    return outcome();
  };
  /** Lets the timers run until `ms` after the start, the polls' promises settled in between. */
  const until = (ms: number) => vi.advanceTimersByTimeAsync(start + ms - Date.now());

  beforeEach(() => {
    vi.useFakeTimers();
    start = Date.now();
    polledAt = [];
    outcome = () => Promise.resolve();
  });
  afterEach(() => vi.useRealTimers());

  it('backs off from 1.5 s to 60 s between polls', async () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 1_500, 60_000))).toEqual([
      1_500, 3_000, 6_000, 12_000, 24_000, 48_000, 60_000, 60_000,
    ]);
    const stop = startPolling(poll);
    await until(10 * 60_000);
    stop();
    // 1.5, 4.5, 10.5, 22.5, 46.5, 94.5 s, then every minute: 14 polls in ten minutes rather than 400.
    expect(polledAt.slice(0, 8)).toEqual([1_500, 4_500, 10_500, 22_500, 46_500, 94_500, 154_500, 214_500]);
    expect(polledAt).toHaveLength(14);
  });

  it('keeps its schedule when a poll fails, and stops when told', async () => {
    outcome = () => Promise.reject(new Error('network down'));
    const stop = startPolling(poll);
    await until(11_000);
    expect(polledAt).toEqual([1_500, 4_500, 10_500]);
    stop();
    await until(30 * 60_000);
    expect(polledAt).toHaveLength(3);
  });

  it('asks nothing while the page is hidden; shown again, asks at once and starts over at 1.5 s', async () => {
    const page = new FakeDocument();
    const stop = startPolling(poll, { visibility: page });
    await until(30_000);
    expect(polledAt).toEqual([1_500, 4_500, 10_500, 22_500]);
    page.set(true);
    await until(20 * 60_000);
    expect(polledAt).toHaveLength(4);
    page.set(false);
    await until(20 * 60_000 + 5_000);
    expect(polledAt.slice(4)).toEqual([20 * 60_000, 20 * 60_000 + 1_500, 20 * 60_000 + 4_500]);
    stop();
    page.set(false);
    await until(40 * 60_000);
    expect(polledAt).toHaveLength(7);
  });

  it('follows one change with a few quick looks, and gives up after the last', async () => {
    const waited: number[] = [];
    const sleep = async (ms: number) => void waited.push(ms);
    const answers = [false, false, true];
    expect(await pollUntil(async () => answers.shift()!, [250, 500, 1_000, 2_000], { sleep })).toBe(true);
    expect(waited).toEqual([250, 500, 1_000]);
    expect(await pollUntil(async () => false, [250, 500], { sleep })).toBe(false);
    // A look that fails counts as "not yet".
    expect(await pollUntil(() => Promise.reject(new Error('503')), [250], { sleep })).toBe(false);
    const aborted = new AbortController();
    aborted.abort();
    expect(await pollUntil(async () => true, [250], { sleep, signal: aborted.signal })).toBe(false);
  });
});
