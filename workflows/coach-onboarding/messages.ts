/**
 * What the API and other services need to talk to the coach onboarding workflow: ids, message definitions and their
 * input/output types. Imports only Temporal's message helpers and types, so the API imports it without workflow code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../messages';
import type { TimelineWorkflowInput } from '../timeline/messages';
import type { CoachStepNumber, CoachStepSubmission } from './schemas';

export { COACH_ID_PATTERN, TIMELINE_ID_PATTERN, timelineWorkflowId } from '../timeline/messages';

export const coachOnboardingWorkflowId = (coachId: string) => `coach-onboarding:${coachId}`;
/** The workflow type of the coach's launch timeline (`workflows/timeline`), which completion starts as a child. */
export const COACH_TIMELINE_WORKFLOW_TYPE = 'coachTimelineWorkflow';

/** The launch timeline's input, as `workflows/timeline` defines it. */
export type CoachTimelineInput = TimelineWorkflowInput;

export interface CoachOnboardingTimings {
  /** Milliseconds without progress before the first reminder (default 3 days). */
  firstReminderAfterMs?: number;
  /** Milliseconds without progress before the second reminder (default 7 days). */
  secondReminderAfterMs?: number;
  /** Milliseconds without progress before onboarding expires (default 30 days). */
  expireAfterMs?: number;
  /** Milliseconds after a request without a final report before the check expires (default 14 days). */
  backgroundCheckExpiresAfterMs?: number;
  /** The window in which at most three quiz attempts may start (default 24 hours). */
  quizWindowMs?: number;
  /** Days from the school step to the default target launch date (default 90). */
  launchLeadDays?: number;
}

export interface CoachOnboardingInput {
  coachId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  timings?: CoachOnboardingTimings;
}

export type CoachOnboardingStatus = 'in_progress' | 'completed' | 'failed' | 'expired';
export type CoachStepStatus = 'pending' | 'completed' | 'awaiting_result' | 'failed';
/** The seed's `BackgroundCheckStatus`, with `suspended` (the provider waits on the coach) shown apart from pending. */
export type CoachBackgroundCheckStatus =
  'not_started' | 'pending' | 'suspended' | 'needs_review' | 'passed' | 'failed' | 'expired';

export interface CoachOnboardingProgress {
  coachId: string;
  status: CoachOnboardingStatus;
  currentStep: CoachStepNumber;
  steps: { step: CoachStepNumber; name: string; status: CoachStepStatus; completedAt?: string }[];
  backgroundCheck: { status: CoachBackgroundCheckStatus; result?: 'clear' | 'consider'; reason?: string };
  quiz: { attempts: number; passed: boolean; bestScore?: number; nextAttemptAt?: string };
  schoolId?: number;
  timelineId?: string;
  failureReason?: string;
  updatedAt: string;
}

export interface QuizQuestionView {
  questionId: string;
  text: string;
  choices: { choiceId: string; text: string }[];
}

export interface QuizAttemptStarted {
  attemptId: string;
  questions: QuizQuestionView[];
  startedAt: string;
}

/** A webhook event as the API passes it on, already verified and de-duplicated on `eventId`. */
export interface BackgroundCheckEventMessage {
  eventId: string;
  type: string;
  /** ISO time the provider created the event: orders deliveries that arrive out of order. */
  createdAt: string;
  candidateId: string;
  report?: {
    id: string;
    status: 'pending' | 'complete' | 'suspended' | 'dispute' | 'canceled';
    result: 'clear' | 'consider' | null;
    adjudication: 'engaged' | 'pre_adverse_action' | 'post_adverse_action' | null;
  };
  actor?: Actor;
}

export interface BackgroundCheckReviewMessage {
  decision: 'passed' | 'failed';
  reason: string;
  actor?: Actor;
}

export interface BackgroundCheckRerequestMessage {
  reason: string;
  actor?: Actor;
}

export type CoachStepMessage = CoachStepSubmission & { actor?: Actor };

export const coachProgressQuery = defineQuery<CoachOnboardingProgress>('progress');
export const submitCoachStepUpdate = defineUpdate<CoachOnboardingProgress, [CoachStepMessage]>('submitStep');
export const startQuizAttemptUpdate = defineUpdate<QuizAttemptStarted, [{ actor?: Actor }]>('startQuizAttempt');
export const backgroundCheckCompletedSignal = defineSignal<[BackgroundCheckEventMessage]>('backgroundCheckCompleted');
export const backgroundCheckReviewedSignal = defineSignal<[BackgroundCheckReviewMessage]>('backgroundCheckReviewed');
export const backgroundCheckRerequestedSignal =
  defineSignal<[BackgroundCheckRerequestMessage]>('backgroundCheckRerequested');

/** Application failure types the API maps to HTTP statuses. */
export const CoachFailureTypes = {
  invalidInput: 'InvalidInput',
  stepOutOfOrder: 'StepOutOfOrder',
  onboardingClosed: 'OnboardingClosed',
  quizAttemptLimit: 'QuizAttemptLimit',
} as const;
