import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { CoachOnboardingProgress, QuizAttemptStarted } from '../../workflows/coach-onboarding/messages';
import { coachOnboardingWorkflowId } from '../../workflows/coach-onboarding/messages';
import { QUIZ_BANK } from '../../workflows/coach-onboarding/quiz-bank';
import { bearer, waitForValue } from './enrollment';
import type { TestStack } from './stack';

export interface Coach {
  coachId: string;
  coachToken: string;
  email: string;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export const coachSteps = {
  1: {
    sportSpecialties: ['basketball', 'track'],
    locationPreferences: ['Austin, TX'],
    capacity: 12,
    bio: 'Former D1 guard.',
  },
  2: {
    llcName: 'Hoops Academy LLC',
    ein: '12-3456789',
    insuranceProvider: 'Lone Star Mutual',
    policyNumber: 'LSM-55512',
    insuranceExpiry: inDays(365),
  },
  3: { consent: true, legalFirstName: 'Dana', legalLastName: 'Rivera', birthDate: '1988-04-02', ssnLast4: '4321' },
  5: {
    schoolName: 'Austin Hoops Microschool',
    address: { line1: '100 Congress Ave', city: 'Austin', state: 'TX', postalCode: '78701' },
    gradesServed: ['06', '07', '08'],
    sports: ['basketball'],
    targetLaunchDate: inDays(120),
  },
} as const;

export async function signUp(stack: TestStack, overrides: Record<string, unknown> = {}): Promise<Coach> {
  const email = `coach-${randomUUID()}@example.com`;
  const res = await stack.app.inject({
    method: 'POST',
    url: '/v1/coaches',
    payload: { firstName: 'Dana', lastName: 'Rivera', email, phone: '512-555-0100', ...overrides },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { ...res.json(), email: (overrides.email as string | undefined) ?? email };
}

export function putStep(stack: TestStack, coach: Coach, step: number, payload: unknown) {
  return stack.app.inject({
    method: 'PUT',
    url: `/v1/coaches/${coach.coachId}/onboarding/steps/${step}`,
    headers: bearer(coach.coachToken),
    payload: payload as Record<string, unknown>,
  });
}

export async function stepOk(stack: TestStack, coach: Coach, step: number, payload: unknown) {
  const res = await putStep(stack, coach, step, payload);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as CoachOnboardingProgress;
}

export function startAttempt(stack: TestStack, coach: Coach) {
  return stack.app.inject({
    method: 'POST',
    url: `/v1/coaches/${coach.coachId}/onboarding/quiz/attempts`,
    headers: bearer(coach.coachToken),
  });
}

/** Answers an attempt with `correct` right answers (the rest wrong). */
export function answers(attempt: QuizAttemptStarted, correct = attempt.questions.length) {
  return {
    attemptId: attempt.attemptId,
    answers: attempt.questions.map((q, i) => {
      const right = QUIZ_BANK.find((b) => b.questionId === q.questionId)!.correctChoiceId;
      const wrong = q.choices.find((c) => c.choiceId !== right)!.choiceId;
      return { questionId: q.questionId, choiceId: i < correct ? right : wrong };
    }),
  };
}

export async function passQuiz(stack: TestStack, coach: Coach): Promise<CoachOnboardingProgress> {
  const res = await startAttempt(stack, coach);
  expect(res.statusCode, res.body).toBe(201);
  return stepOk(stack, coach, 4, answers(res.json()));
}

export async function coachProgress(stack: TestStack, coach: Coach): Promise<CoachOnboardingProgress> {
  return stack.client.workflow
    .getHandle(coachOnboardingWorkflowId(coach.coachId))
    .query<CoachOnboardingProgress>('progress');
}

export function waitForCoach(
  stack: TestStack,
  coach: Coach,
  predicate: (p: CoachOnboardingProgress) => boolean,
  timeoutMs = 30_000,
) {
  return waitForValue(() => coachProgress(stack, coach), predicate, `onboarding of ${coach.coachId}`, timeoutMs);
}

/** Steps 1–3 with the given legal last name (which picks the simulator's scenario). */
export async function throughBackgroundCheckRequest(stack: TestStack, coach: Coach, legalLastName = 'Rivera') {
  await stepOk(stack, coach, 1, coachSteps[1]);
  await stepOk(stack, coach, 2, coachSteps[2]);
  const p = await stepOk(stack, coach, 3, { ...coachSteps[3], legalLastName });
  expect(p.backgroundCheck.status).toBe('pending');
  return p;
}

/** The candidate the provider created for a coach, once the request's row is written. */
export async function candidateOf(stack: TestStack, coach: Coach, requestNumber = 1): Promise<string> {
  const row = await waitForValue(
    () =>
      stack.db
        .selectFrom('background_checks')
        .select('candidate_id')
        .where('request_key', '=', `${coach.coachId}:${requestNumber}`)
        .executeTakeFirst(),
    (r) => Boolean(r?.candidate_id),
    'background check row',
  );
  return row!.candidate_id!;
}

/** A completed onboarding: every step, a clear check and a passed quiz. */
export async function onboardedCoach(stack: TestStack, school: Record<string, unknown> = {}): Promise<Coach> {
  const coach = await signUp(stack);
  await throughBackgroundCheckRequest(stack, coach);
  await passQuiz(stack, coach);
  await waitForCoach(stack, coach, (p) => p.backgroundCheck.status === 'passed');
  const done = await stepOk(stack, coach, 5, { ...coachSteps[5], ...school });
  expect(done.status).toBe('completed');
  return coach;
}
