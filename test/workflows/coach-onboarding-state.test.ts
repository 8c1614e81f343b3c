import { describe, expect, it } from 'vitest';
import { QUIZ_BANK } from '../../workflows/coach-onboarding/quiz-bank';
import {
  applyCheckEvent,
  applyRerequest,
  applyReview,
  applySubmission,
  checkRequested,
  CoachStepRejection,
  expireCheck,
  initialState,
  nextQuizAttemptAt,
  scoreQuizAttempt,
  startQuizAttempt,
  toProgress,
  toProjection,
  validateQuizStart,
  validateSubmission,
  type CoachState,
} from '../../workflows/coach-onboarding/state';
import type { BackgroundCheckEventMessage } from '../../workflows/coach-onboarding/messages';

const NOW = '2026-12-01T12:00:00.000Z';
const DAY = 86_400_000;
const later = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

const steps = {
  1: { sportSpecialties: ['basketball'], locationPreferences: ['Austin, TX'], capacity: 10 },
  2: { llcName: 'A LLC', ein: '12-3456789', insuranceProvider: 'P', policyNumber: 'N1', insuranceExpiry: '2027-12-01' },
  3: { consent: true, legalFirstName: 'Dana', legalLastName: 'Rivera', birthDate: '1988-04-02', ssnLast4: '4321' },
} as const;

function fresh(): CoachState {
  return initialState(
    {
      coachId: 'TSA-COACH-20261201-AAAAAA',
      firstName: 'Dana',
      lastName: 'Rivera',
      email: 'd@example.com',
      phone: '5125550100',
    },
    NOW,
  );
}

function submit(state: CoachState, step: 1 | 2 | 3, data: unknown = steps[step], now = NOW) {
  applySubmission(state, validateSubmission(state, { step, data }, now), now);
}

function refusal(fn: () => unknown): CoachStepRejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof CoachStepRejection) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** Steps 1–3 done and the provider's candidate known. */
function requested(): CoachState {
  const state = fresh();
  submit(state, 1);
  submit(state, 2);
  submit(state, 3);
  checkRequested(state, 1, { candidateId: 'cand_1', invitationId: 'inv_1' }, NOW);
  return state;
}

const event = (
  over: Partial<BackgroundCheckEventMessage> & { result?: 'clear' | 'consider' | null },
): BackgroundCheckEventMessage => ({
  eventId: over.eventId ?? `evt_${Math.random()}`,
  type: over.type ?? 'report.completed',
  createdAt: over.createdAt ?? NOW,
  candidateId: over.candidateId ?? 'cand_1',
  report: {
    id: 'rpt_1',
    status: 'complete',
    result: over.result === undefined ? 'clear' : over.result,
    adjudication: null,
  },
});

describe('steps', () => {
  it('refuses steps out of order, a bad EIN, an insurance that expires today and an underage coach', () => {
    const state = fresh();
    expect(refusal(() => validateSubmission(state, { step: 2, data: steps[2] }, NOW)).type).toBe('StepOutOfOrder');
    submit(state, 1);
    const ein = refusal(() => validateSubmission(state, { step: 2, data: { ...steps[2], ein: '00-1234567' } }, NOW));
    expect(ein.issues).toEqual([{ path: 'ein', message: 'must not start with 00 (no such IRS prefix)' }]);
    const expiry = refusal(() =>
      validateSubmission(state, { step: 2, data: { ...steps[2], insuranceExpiry: '2026-12-01' } }, NOW),
    );
    expect(expiry.issues?.[0]?.path).toBe('insuranceExpiry');
    submit(state, 2);
    const minor = refusal(() =>
      validateSubmission(state, { step: 3, data: { ...steps[3], birthDate: '2010-01-01' } }, NOW),
    );
    expect(minor.issues?.[0]?.path).toBe('birthDate');
  });

  it('lets steps 1 and 2 be corrected until the background check starts, then not', () => {
    const state = fresh();
    submit(state, 1);
    submit(state, 1, { ...steps[1], capacity: 30 });
    expect(state.profile?.capacity).toBe(30);
    submit(state, 2);
    submit(state, 3);
    expect(refusal(() => validateSubmission(state, { step: 1, data: steps[1] }, NOW)).type).toBe('OnboardingClosed');
    expect(refusal(() => validateSubmission(state, { step: 3, data: steps[3] }, NOW)).type).toBe('OnboardingClosed');
    expect(toProgress(state, NOW, DAY).steps[2]).toEqual({
      step: 3,
      name: 'background_check',
      status: 'awaiting_result',
    });
  });
});

describe('the training quiz', () => {
  it('ships a bank of at least 20 questions, each with its correct answer among its choices', () => {
    expect(QUIZ_BANK.length).toBeGreaterThanOrEqual(20);
    expect(new Set(QUIZ_BANK.map((q) => q.questionId)).size).toBe(QUIZ_BANK.length);
    for (const q of QUIZ_BANK) expect(q.choices.map((c) => c.choiceId)).toContain(q.correctChoiceId);
    expect(new Set(QUIZ_BANK.map((q) => q.correctChoiceId)).size).toBeGreaterThan(1);
    expect(new Set(QUIZ_BANK.map((q) => q.topic))).toEqual(new Set(['safety', 'academics', 'tsa_model']));
  });

  it('draws 10 distinct questions an attempt and passes at 80 %', () => {
    const state = requested();
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const attempt = startQuizAttempt(state, NOW, random);
    expect(new Set(attempt.questions.map((q) => q.questionId)).size).toBe(10);
    const right = (n: number) =>
      attempt.questions.map((q, i) => {
        const correct = QUIZ_BANK.find((b) => b.questionId === q.questionId)!.correctChoiceId;
        return {
          questionId: q.questionId,
          choiceId: i < n ? correct : q.choices.find((c) => c.choiceId !== correct)!.choiceId,
        };
      });
    const low = scoreQuizAttempt(state, { attemptId: attempt.attemptId, answers: right(7) }, NOW);
    expect(low).toMatchObject({ scorePercent: 70, passed: false });
    const second = startQuizAttempt(state, NOW, random);
    const answers = second.questions.map((q, i) => {
      const correct = QUIZ_BANK.find((b) => b.questionId === q.questionId)!.correctChoiceId;
      return {
        questionId: q.questionId,
        choiceId: i < 8 ? correct : q.choices.find((c) => c.choiceId !== correct)!.choiceId,
      };
    });
    const missing = refusal(() =>
      validateSubmission(state, { step: 4, data: { attemptId: second.attemptId, answers: answers.slice(1) } }, NOW),
    );
    expect(missing.issues?.[0]).toMatchObject({ path: 'answers' });
    expect(scoreQuizAttempt(state, { attemptId: second.attemptId, answers }, NOW)).toMatchObject({
      scorePercent: 80,
      passed: true,
    });
    expect(state.steps[4].status).toBe('completed');
  });

  it('allows three attempts in 24 hours and names when the next is allowed', () => {
    const state = requested();
    for (let i = 0; i < 3; i++) {
      validateQuizStart(state, later(i * 3_600_000), DAY);
      startQuizAttempt(state, later(i * 3_600_000), Math.random);
    }
    const refused = refusal(() => validateQuizStart(state, later(5 * 3_600_000), DAY));
    expect(refused.type).toBe('QuizAttemptLimit');
    expect(refused.message).toContain(later(DAY));
    expect(nextQuizAttemptAt(state, later(5 * 3_600_000), DAY)).toBe(later(DAY));
    expect(() => validateQuizStart(state, later(DAY + 1), DAY)).not.toThrow();
  });
});

describe('background check events', () => {
  it('counts a duplicate once and ignores what a final result makes old', () => {
    const state = requested();
    const completed = event({ eventId: 'evt_done', createdAt: later(2000) });
    expect(applyCheckEvent(state, completed, NOW)).toBe('applied');
    expect(state.check.status).toBe('passed');
    const version = state.version;
    expect(applyCheckEvent(state, completed, NOW)).toBe('duplicate');
    expect(applyCheckEvent(state, event({ type: 'report.created', createdAt: later(1000), result: null }), NOW)).toBe(
      'ignored',
    );
    expect(
      applyCheckEvent(state, event({ type: 'report.completed', result: 'consider', createdAt: later(5000) }), NOW),
    ).toBe('ignored');
    expect(state.version).toBe(version);
  });

  it('ignores an event older than the newest applied one, and one for another candidate', () => {
    const state = requested();
    applyCheckEvent(state, event({ type: 'report.suspended', createdAt: later(3000), result: null }), NOW);
    expect(state.check.status).toBe('suspended');
    expect(applyCheckEvent(state, event({ type: 'report.created', createdAt: later(1000), result: null }), NOW)).toBe(
      'stale',
    );
    expect(applyCheckEvent(state, event({ candidateId: 'cand_other', createdAt: later(9000) }), NOW)).toBe('ignored');
    expect(toProjection(state).backgroundCheckStatus).toBe('pending');
    applyCheckEvent(state, event({ type: 'report.resumed', createdAt: later(4000), result: null }), NOW);
    expect(state.check.status).toBe('pending');
  });

  it('consider waits for ops; canceled fails and ends onboarding', () => {
    const review = requested();
    applyCheckEvent(review, event({ result: 'consider' }), NOW);
    expect(review.check.status).toBe('needs_review');
    expect(applyReview(review, { decision: 'passed', reason: 'ok' }, NOW)).toBeUndefined();
    expect(review.check).toMatchObject({ status: 'passed', result: 'consider' });

    const canceled = requested();
    applyCheckEvent(canceled, event({ type: 'report.canceled', result: null }), NOW);
    expect(canceled.status).toBe('failed');
    expect(canceled.failureReason).toContain('canceled');
  });

  it('an expired check can be requested again, and only then', () => {
    const state = requested();
    expect(applyRerequest(state, { reason: 'x' }, NOW)).toContain('not expired');
    expireCheck(state, 14, NOW);
    expect(applyRerequest(state, { reason: 'x' }, NOW)).toBeUndefined();
    expect(state.check).toMatchObject({
      status: 'pending',
      requestNumber: 2,
      requestedNumber: 1,
      candidateId: 'cand_1',
    });
    expect(toProjection(state).backgroundCheck?.requestKey).toBe('TSA-COACH-20261201-AAAAAA:2');
  });
});

describe('events that arrive before the request is answered', () => {
  it('are kept and applied, in their order, once the candidate is known', () => {
    const state = fresh();
    submit(state, 1);
    submit(state, 2);
    submit(state, 3);
    applyCheckEvent(state, event({ eventId: 'evt_2', createdAt: later(2000) }), NOW);
    applyCheckEvent(
      state,
      event({ eventId: 'evt_1', type: 'report.created', createdAt: later(1000), result: null }),
      NOW,
    );
    expect(state.check.status).toBe('pending');
    checkRequested(state, 1, { candidateId: 'cand_1', invitationId: 'inv_1' }, NOW);
    expect(state.check.status).toBe('passed');
    expect(state.check.seenEventIds).toEqual(['evt_1', 'evt_2']);
  });
});
