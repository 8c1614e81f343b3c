/**
 * The coach onboarding's state and the pure functions that change it. The workflow body only wires messages, timers
 * and activities to these; they are unit-tested without a server. No I/O, no clock: callers pass the time (and the
 * random source that draws quiz questions, the workflow's seeded one).
 */
import type { CoachProjection, QuizAttemptRow } from '../../domain/coach-onboarding';
import {
  CoachFailureTypes,
  type BackgroundCheckEventMessage,
  type BackgroundCheckRerequestMessage,
  type BackgroundCheckReviewMessage,
  type CoachBackgroundCheckStatus,
  type CoachOnboardingInput,
  type CoachOnboardingProgress,
  type CoachOnboardingStatus,
  type CoachStepStatus,
  type CoachTimelineInput,
  type QuizAttemptStarted,
} from './messages';
import { PASS_PERCENT, QUESTIONS_PER_ATTEMPT, QUIZ_BANK } from './quiz-bank';
import {
  COACH_STEP_NAMES,
  coachStepSubmissionSchema,
  formatIssues,
  type BackgroundCheckStep,
  type BusinessStep,
  type CoachStepNumber,
  type CoachStepSubmission,
  type FieldIssue,
  type ProfileStep,
  type SchoolStep,
} from './schemas';

export const COACH_STEPS = [1, 2, 3, 4, 5] as const satisfies readonly CoachStepNumber[];
export const MAX_QUIZ_ATTEMPTS_PER_WINDOW = 3;
const MAX_SEEN_EVENTS = 100;
const DAY = 24 * 60 * 60 * 1000;

export interface QuizAttemptState {
  attemptId: string;
  number: number;
  questionIds: string[];
  startedAt: string;
  submittedAt?: string;
  answers?: { questionId: string; choiceId: string }[];
  correct?: number;
  scorePercent?: number;
  passed?: boolean;
}

export interface BackgroundCheckState {
  status: CoachBackgroundCheckStatus;
  result?: 'clear' | 'consider';
  reason?: string;
  /** Requests asked for (step 3, then each re-request by ops) and requests the provider has accepted. */
  requestNumber: number;
  requestedNumber: number;
  subject?: BackgroundCheckStep;
  candidateId?: string;
  invitationId?: string;
  reportId?: string;
  reportStatus?: string;
  adjudication?: string | null;
  requestedAt?: string;
  completedAt?: string;
  /** The newest provider event applied: an older one arriving later says nothing new. */
  lastEventAt?: string;
  seenEventIds: string[];
  /** Events that arrived while the request's answer (the candidate id) was not yet recorded, applied once it is. */
  earlyEvents?: BackgroundCheckEventMessage[];
}

export interface CoachState {
  coachId: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string;
  status: CoachOnboardingStatus;
  steps: Record<CoachStepNumber, { status: CoachStepStatus; completedAt?: string }>;
  profile?: ProfileStep;
  business?: BusinessStep;
  check: BackgroundCheckState;
  quiz: { attempts: QuizAttemptState[]; passed: boolean; bestScore?: number };
  school?: SchoolStep & { targetLaunchDate: string };
  schoolId?: number;
  timelineId?: string;
  failureReason?: string;
  /** Bumped on every accepted change; orders projection writes and restarts the inactivity clock. */
  version: number;
  progressedAt: string;
  updatedAt: string;
}

export class CoachStepRejection extends Error {
  constructor(
    readonly type: (typeof CoachFailureTypes)[keyof typeof CoachFailureTypes],
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
    this.name = 'CoachStepRejection';
  }
}

export function initialState(input: CoachOnboardingInput, now: string): CoachState {
  return {
    coachId: input.coachId,
    email: input.email,
    firstName: input.firstName,
    lastName: input.lastName,
    phone: input.phone,
    status: 'in_progress',
    steps: {
      1: { status: 'pending' },
      2: { status: 'pending' },
      3: { status: 'pending' },
      4: { status: 'pending' },
      5: { status: 'pending' },
    },
    check: { status: 'not_started', requestNumber: 0, requestedNumber: 0, seenEventIds: [] },
    quiz: { attempts: [], passed: false },
    version: 1,
    progressedAt: now,
    updatedAt: now,
  };
}

export const isClosed = (state: CoachState): boolean => state.status !== 'in_progress';

/** The first step still to do; the background check counts as done once requested, so the quiz can go on meanwhile. */
export function currentStep(state: CoachState): CoachStepNumber {
  return COACH_STEPS.find((step) => state.steps[step].status === 'pending') ?? 5;
}

const checkStarted = (state: CoachState): boolean => state.check.requestNumber > 0;
export const checkIsFinal = (state: CoachState): boolean =>
  state.check.status === 'passed' || state.check.status === 'failed';

function touch(state: CoachState, now: string): void {
  state.version += 1;
  state.progressedAt = now;
  state.updatedAt = now;
}

const refuse = (type: CoachStepRejection['type'], message: string, issues?: FieldIssue[]) =>
  new CoachStepRejection(type, message, issues);

function ensureOpen(state: CoachState): void {
  if (isClosed(state)) refuseClosed(state);
}

function refuseClosed(state: CoachState): never {
  throw refuse(
    CoachFailureTypes.onboardingClosed,
    `onboarding of ${state.coachId} is ${state.status}${state.failureReason ? `: ${state.failureReason}` : ''}`,
  );
}

function requireCompleted(state: CoachState, step: CoachStepNumber, before: CoachStepNumber): void {
  if (state.steps[before].status !== 'completed') {
    throw refuse(
      CoachFailureTypes.stepOutOfOrder,
      `step ${step} (${COACH_STEP_NAMES[step]}) needs step ${before} (${COACH_STEP_NAMES[before]}) completed first`,
    );
  }
}

const dateOf = (iso: string): string => iso.slice(0, 10);

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

function yearsBetween(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/**
 * Checks a submission against the payload schemas and the onboarding's state without changing anything: the update
 * validator and the handler both call it. Throws `CoachStepRejection` (400 or 409).
 */
export function validateSubmission(state: CoachState, message: unknown, now: string): CoachStepSubmission {
  const parsed = coachStepSubmissionSchema.safeParse(stripActor(message));
  if (!parsed.success) {
    const issues = formatIssues(parsed.error).map((i) => ({ ...i, path: i.path.replace(/^data\.?/, '') }));
    throw refuse(
      CoachFailureTypes.invalidInput,
      issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '),
      issues,
    );
  }
  const submission = parsed.data;
  ensureOpen(state);
  const today = dateOf(now);
  const locked = () =>
    refuse(
      CoachFailureTypes.onboardingClosed,
      `step ${submission.step} can no longer be changed: the background check has started`,
    );
  switch (submission.step) {
    case 1:
      if (checkStarted(state)) throw locked();
      break;
    case 2:
      requireCompleted(state, 2, 1);
      if (checkStarted(state)) throw locked();
      if (submission.data.insuranceExpiry <= today) {
        throw refuse(CoachFailureTypes.invalidInput, 'insuranceExpiry: must be after today', [
          { path: 'insuranceExpiry', message: `must be after today (${today})` },
        ]);
      }
      break;
    case 3: {
      requireCompleted(state, 3, 2);
      if (checkStarted(state)) throw locked();
      if (submission.data.birthDate >= today || yearsBetween(submission.data.birthDate, today) < 18) {
        throw refuse(CoachFailureTypes.invalidInput, 'birthDate: a coach must be at least 18 years old', [
          { path: 'birthDate', message: 'must be the birth date of someone at least 18 years old' },
        ]);
      }
      break;
    }
    case 4: {
      if (!checkStarted(state)) {
        throw refuse(CoachFailureTypes.stepOutOfOrder, 'step 4 (training_quiz) needs step 3 (background_check) first');
      }
      if (state.quiz.passed) throw refuse(CoachFailureTypes.onboardingClosed, 'the training quiz is already passed');
      const attempt = state.quiz.attempts.find((a) => a.attemptId === submission.data.attemptId);
      if (!attempt) {
        throw refuse(CoachFailureTypes.invalidInput, 'attemptId: no such quiz attempt', [
          { path: 'attemptId', message: 'is not an attempt of this onboarding' },
        ]);
      }
      if (attempt.submittedAt) {
        throw refuse(CoachFailureTypes.onboardingClosed, `quiz attempt ${attempt.attemptId} was already submitted`);
      }
      if (attempt !== state.quiz.attempts.at(-1)) {
        throw refuse(
          CoachFailureTypes.onboardingClosed,
          `quiz attempt ${attempt.attemptId} was replaced by a newer one`,
        );
      }
      const issues = answerIssues(attempt, submission.data.answers);
      if (issues.length > 0) {
        throw refuse(CoachFailureTypes.invalidInput, issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
      }
      break;
    }
    case 5:
      if (!state.quiz.passed) {
        throw refuse(CoachFailureTypes.stepOutOfOrder, 'step 5 (school) needs the training quiz passed first');
      }
      if (state.check.status !== 'passed') {
        throw refuse(
          CoachFailureTypes.stepOutOfOrder,
          `step 5 (school) needs a passed background check (it is ${state.check.status})`,
        );
      }
      if (state.school) throw refuse(CoachFailureTypes.onboardingClosed, 'the school was already submitted');
      if (submission.data.targetLaunchDate !== undefined && submission.data.targetLaunchDate <= today) {
        throw refuse(CoachFailureTypes.invalidInput, 'targetLaunchDate: must be after today', [
          { path: 'targetLaunchDate', message: `must be after today (${today})` },
        ]);
      }
      break;
  }
  return submission;
}

function stripActor(message: unknown): unknown {
  if (!message || typeof message !== 'object') return message;
  const { actor: _actor, ...rest } = message as Record<string, unknown>;
  return rest;
}

function answerIssues(attempt: QuizAttemptState, answers: { questionId: string; choiceId: string }[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  answers.forEach((answer, index) => {
    const question = QUIZ_BANK.find((q) => q.questionId === answer.questionId);
    if (!attempt.questionIds.includes(answer.questionId) || !question) {
      issues.push({ path: `answers.${index}.questionId`, message: 'is not a question of this attempt' });
    } else if (seen.has(answer.questionId)) {
      issues.push({ path: `answers.${index}.questionId`, message: 'is answered twice' });
    } else if (!question.choices.some((c) => c.choiceId === answer.choiceId)) {
      issues.push({ path: `answers.${index}.choiceId`, message: 'is not a choice of this question' });
    }
    seen.add(answer.questionId);
  });
  const missing = attempt.questionIds.filter((id) => !seen.has(id));
  if (missing.length > 0)
    issues.push({ path: 'answers', message: `must answer every question; missing ${missing.join(', ')}` });
  return issues;
}

/** Applies a validated submission of steps 1–3; step 4 goes through `scoreQuizAttempt`, step 5 through `schoolRequested`. */
export function applySubmission(state: CoachState, submission: CoachStepSubmission, now: string): void {
  switch (submission.step) {
    case 1:
      state.profile = submission.data;
      break;
    case 2:
      state.business = submission.data;
      break;
    case 3:
      state.check = {
        ...state.check,
        status: 'pending',
        subject: submission.data,
        requestNumber: state.check.requestNumber + 1,
        requestedAt: now,
      };
      state.steps[3] = { status: 'awaiting_result' };
      touch(state, now);
      return;
    case 4:
      scoreQuizAttempt(state, submission.data, now);
      return;
    case 5:
      schoolRequested(state, submission.data, now);
      return;
  }
  state.steps[submission.step] = { status: 'completed', completedAt: now };
  touch(state, now);
}

/** Attempts started within the window before `now`, oldest first. */
function attemptsInWindow(state: CoachState, now: string, windowMs: number): QuizAttemptState[] {
  return state.quiz.attempts.filter((a) => Date.parse(a.startedAt) > Date.parse(now) - windowMs);
}

/** When the next attempt may start, if the limit is reached now. */
export function nextQuizAttemptAt(state: CoachState, now: string, windowMs: number): string | undefined {
  const recent = attemptsInWindow(state, now, windowMs);
  if (recent.length < MAX_QUIZ_ATTEMPTS_PER_WINDOW) return undefined;
  const oldest = recent[recent.length - MAX_QUIZ_ATTEMPTS_PER_WINDOW]!;
  return new Date(Date.parse(oldest.startedAt) + windowMs).toISOString();
}

export function validateQuizStart(state: CoachState, now: string, windowMs: number): void {
  ensureOpen(state);
  if (!checkStarted(state)) {
    throw refuse(CoachFailureTypes.stepOutOfOrder, 'the training quiz needs step 3 (background_check) first');
  }
  if (state.quiz.passed) throw refuse(CoachFailureTypes.onboardingClosed, 'the training quiz is already passed');
  const next = nextQuizAttemptAt(state, now, windowMs);
  if (next) {
    throw refuse(
      CoachFailureTypes.quizAttemptLimit,
      `at most ${MAX_QUIZ_ATTEMPTS_PER_WINDOW} quiz attempts in ${Math.round(windowMs / 3_600_000)} hours; the next one is allowed at ${next}`,
      [{ path: 'nextAttemptAt', message: next }],
    );
  }
}

/** Draws this attempt's questions from the bank (`random` is the workflow's seeded Math.random). */
export function startQuizAttempt(state: CoachState, now: string, random: () => number): QuizAttemptStarted {
  const pool = [...QUIZ_BANK];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const drawn = pool.slice(0, QUESTIONS_PER_ATTEMPT);
  const number = state.quiz.attempts.length + 1;
  const attempt: QuizAttemptState = {
    attemptId: `${state.coachId}-Q${number}`,
    number,
    questionIds: drawn.map((q) => q.questionId),
    startedAt: now,
  };
  state.quiz.attempts.push(attempt);
  touch(state, now);
  return {
    attemptId: attempt.attemptId,
    startedAt: now,
    questions: drawn.map((q) => ({ questionId: q.questionId, text: q.text, choices: q.choices })),
  };
}

export function scoreQuizAttempt(
  state: CoachState,
  data: { attemptId: string; answers: { questionId: string; choiceId: string }[] },
  now: string,
): QuizAttemptState {
  const attempt = state.quiz.attempts.find((a) => a.attemptId === data.attemptId)!;
  const correct = data.answers.filter(
    (a) => QUIZ_BANK.find((q) => q.questionId === a.questionId)?.correctChoiceId === a.choiceId,
  ).length;
  attempt.submittedAt = now;
  attempt.answers = data.answers;
  attempt.correct = correct;
  attempt.scorePercent = Math.round((correct / attempt.questionIds.length) * 10_000) / 100;
  attempt.passed = attempt.scorePercent >= PASS_PERCENT;
  state.quiz.bestScore = Math.max(state.quiz.bestScore ?? 0, attempt.scorePercent);
  if (attempt.passed) {
    state.quiz.passed = true;
    state.steps[4] = { status: 'completed', completedAt: now };
  }
  touch(state, now);
  return attempt;
}

export function quizAttemptRow(state: CoachState, attempt: QuizAttemptState): QuizAttemptRow {
  return {
    coachId: state.coachId,
    attemptId: attempt.attemptId,
    attemptNumber: attempt.number,
    questionIds: attempt.questionIds,
    answers: attempt.answers ?? [],
    correctCount: attempt.correct ?? 0,
    scorePercent: attempt.scorePercent ?? 0,
    passed: attempt.passed ?? false,
    startedAt: attempt.startedAt,
    submittedAt: attempt.submittedAt ?? attempt.startedAt,
  };
}

export function schoolRequested(state: CoachState, data: SchoolStep, now: string): void {
  state.school = { ...data, targetLaunchDate: data.targetLaunchDate ?? addDays(dateOf(now), 90) };
  touch(state, now);
}

export function schoolCreated(state: CoachState, schoolId: number, now: string): void {
  state.schoolId = schoolId;
  state.steps[5] = { status: 'completed', completedAt: now };
  touch(state, now);
}

export function completed(state: CoachState, timelineId: string, now: string): void {
  state.timelineId = timelineId;
  state.status = 'completed';
  touch(state, now);
}

export function close(state: CoachState, status: 'failed' | 'expired', reason: string, now: string): void {
  if (isClosed(state)) return;
  state.status = status;
  state.failureReason = reason;
  touch(state, now);
}

/** The launch timeline the completed onboarding starts (the input branch i15's timeline workflow takes). */
export function timelineInput(state: CoachState, timelineId: string): CoachTimelineInput {
  return {
    timelineId,
    coachId: state.coachId,
    templateId: 'default_microschool_v1',
    name: `${state.school!.schoolName} launch`,
    targetLaunchDate: state.school!.targetLaunchDate,
    focusAreas: state.school!.sports,
    customizationLevel: 'moderate',
  };
}

// Background check

/** The provider has accepted request `number` (candidate and invitation created). */
export function checkRequested(
  state: CoachState,
  number: number,
  provider: { candidateId: string; invitationId: string },
  now: string,
): void {
  if (number !== state.check.requestNumber) return;
  state.check.requestedNumber = number;
  state.check.candidateId = provider.candidateId;
  state.check.invitationId = provider.invitationId;
  state.updatedAt = now;
  state.version += 1;
  const early = state.check.earlyEvents ?? [];
  delete state.check.earlyEvents;
  for (const event of [...early].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))) {
    applyCheckEvent(state, event, now);
  }
}

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

/**
 * Applies one provider event. Deliveries are at-least-once and unordered: an event seen before changes nothing, an
 * event older than the newest applied one says nothing new, and nothing changes a passed or failed check.
 */
export function applyCheckEvent(state: CoachState, event: BackgroundCheckEventMessage, now: string): EventOutcome {
  const check = state.check;
  if (check.seenEventIds.includes(event.eventId)) return 'duplicate';
  // The provider can answer before the workflow records its reply to the request (a worker that died in between).
  if (checkRequestPending(state)) {
    if (!check.earlyEvents?.some((e) => e.eventId === event.eventId)) {
      check.earlyEvents = [...(check.earlyEvents ?? []), event].slice(-MAX_SEEN_EVENTS);
    }
    return 'ignored';
  }
  check.seenEventIds = [...check.seenEventIds, event.eventId].slice(-MAX_SEEN_EVENTS);
  if (event.candidateId !== check.candidateId || isClosed(state)) return 'ignored';
  if (checkIsFinal(state) || check.status === 'expired') return 'ignored';
  if (check.lastEventAt && Date.parse(event.createdAt) < Date.parse(check.lastEventAt)) return 'stale';
  check.lastEventAt = event.createdAt;
  const report = event.report;
  if (report) {
    check.reportId = report.id;
    check.reportStatus = report.status;
    check.adjudication = report.adjudication;
  }
  switch (event.type) {
    case 'report.completed':
      if (report?.result === 'clear') passCheck(state, 'clear', now);
      else if (report?.result === 'consider') {
        check.status = 'needs_review';
        check.result = 'consider';
        check.reason = 'the report needs review by operations';
      }
      break;
    case 'report.suspended':
      check.status = 'suspended';
      check.reason = 'the provider is waiting for information from the coach';
      break;
    case 'report.canceled':
      failCheck(state, 'the background check was canceled by the provider', now);
      break;
    case 'report.disputed':
      check.reason = 'the coach disputes the report';
      break;
    default:
      // invitation.completed, report.created, report.resumed, report.engaged…: the check is under way.
      if (check.status === 'suspended') {
        check.status = 'pending';
        delete check.reason;
      }
  }
  touch(state, now);
  return 'applied';
}

function passCheck(state: CoachState, result: 'clear' | 'consider', now: string): void {
  state.check.status = 'passed';
  state.check.result = result;
  state.check.completedAt = now;
  delete state.check.reason;
  state.steps[3] = { status: 'completed', completedAt: now };
}

function failCheck(state: CoachState, reason: string, now: string): void {
  state.check.status = 'failed';
  state.check.reason = reason;
  state.check.completedAt = now;
  state.steps[3] = { status: 'failed' };
  close(state, 'failed', `background check failed: ${reason}`, now);
}

/** Ops decide a `consider` report; anything else is refused (returns the reason). */
export function applyReview(state: CoachState, message: BackgroundCheckReviewMessage, now: string): string | undefined {
  if (isClosed(state)) return `onboarding is ${state.status}`;
  if (state.check.status !== 'needs_review') return `the background check is ${state.check.status}, not needs_review`;
  if (message.decision === 'passed') passCheck(state, 'consider', now);
  else failCheck(state, message.reason, now);
  touch(state, now);
  return undefined;
}

/** Ops ask again for an expired check; returns the reason when refused. */
export function applyRerequest(
  state: CoachState,
  _message: BackgroundCheckRerequestMessage,
  now: string,
): string | undefined {
  if (isClosed(state)) return `onboarding is ${state.status}`;
  if (state.check.status !== 'expired') return `the background check is ${state.check.status}, not expired`;
  state.check = {
    ...state.check,
    status: 'pending',
    requestNumber: state.check.requestNumber + 1,
    requestedAt: now,
    seenEventIds: state.check.seenEventIds,
  };
  delete state.check.reason;
  delete state.check.lastEventAt;
  delete state.check.reportId;
  delete state.check.reportStatus;
  state.steps[3] = { status: 'awaiting_result' };
  touch(state, now);
  return undefined;
}

/** No final report within the limit. */
export function expireCheck(state: CoachState, days: number, now: string): void {
  state.check.status = 'expired';
  state.check.reason = `no final report within ${days} days; operations can request it again`;
  touch(state, now);
}

/** The check is waiting on the provider: the 14-day limit runs. */
export const checkAwaitingReport = (state: CoachState): boolean =>
  state.check.status === 'pending' || state.check.status === 'suspended';

export const checkRequestPending = (state: CoachState): boolean =>
  !isClosed(state) && state.check.requestNumber > state.check.requestedNumber && checkAwaitingReport(state);

// Views

export function toProgress(state: CoachState, now: string, quizWindowMs: number): CoachOnboardingProgress {
  const next = isClosed(state) || state.quiz.passed ? undefined : nextQuizAttemptAt(state, now, quizWindowMs);
  return {
    coachId: state.coachId,
    status: state.status,
    currentStep: currentStep(state),
    steps: COACH_STEPS.map((step) => ({ step, name: COACH_STEP_NAMES[step], ...state.steps[step] })),
    backgroundCheck: {
      status: state.check.status,
      ...(state.check.result ? { result: state.check.result } : {}),
      ...(state.check.reason ? { reason: state.check.reason } : {}),
    },
    quiz: {
      attempts: state.quiz.attempts.length,
      passed: state.quiz.passed,
      ...(state.quiz.bestScore !== undefined ? { bestScore: state.quiz.bestScore } : {}),
      ...(next ? { nextAttemptAt: next } : {}),
    },
    ...(state.schoolId !== undefined ? { schoolId: state.schoolId } : {}),
    ...(state.timelineId ? { timelineId: state.timelineId } : {}),
    ...(state.failureReason ? { failureReason: state.failureReason } : {}),
    updatedAt: state.updatedAt,
  };
}

/** The seed's statuses: the profile row knows no `suspended` (still pending at the provider). */
function profileCheckStatus(status: CoachBackgroundCheckStatus) {
  return status === 'suspended' ? 'pending' : status;
}

/** The `coach_profiles` row and the current `background_checks` row as they read from this state. */
export function toProjection(state: CoachState): Omit<CoachProjection, 'version'> {
  const check = state.check;
  return {
    coachId: state.coachId,
    onboardingStatus: state.status,
    currentStep: currentStep(state),
    failureReason: state.failureReason ?? null,
    profile: state.profile
      ? {
          sportSpecialties: state.profile.sportSpecialties,
          locationPreferences: state.profile.locationPreferences,
          maxStudents: state.profile.capacity,
          bio: state.profile.bio ?? null,
        }
      : null,
    business: state.business
      ? {
          llcName: state.business.llcName,
          ein: state.business.ein,
          insuranceProvider: state.business.insuranceProvider,
          policyNumber: state.business.policyNumber,
          insuranceExpiry: state.business.insuranceExpiry,
        }
      : null,
    backgroundCheckStatus: profileCheckStatus(check.status),
    backgroundCheck:
      check.requestNumber > 0 && check.status !== 'not_started'
        ? {
            requestKey: `${state.coachId}:${check.requestNumber}`,
            status: profileCheckStatus(check.status) as Exclude<
              CoachBackgroundCheckStatus,
              'not_started' | 'suspended'
            >,
            candidateId: check.candidateId ?? null,
            invitationId: check.requestedNumber === check.requestNumber ? (check.invitationId ?? null) : null,
            reportId: check.reportId ?? null,
            reportStatus: check.reportStatus ?? null,
            reportResult: check.result ?? null,
            adjudication: check.adjudication ?? null,
            completedAt: check.completedAt ?? null,
            reason: check.reason ?? null,
          }
        : null,
    schoolId: state.schoolId ?? null,
  };
}
