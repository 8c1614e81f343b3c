/**
 * The coach onboarding's vocabulary shared by the workflow, its activities and the tables: statuses as the seed names
 * them, the projection the workflow writes and a quiz attempt's row. Pure: imports nothing of the project.
 */

/** `coach_profiles.background_check_status` (the seed's `BackgroundCheckStatus`). */
export const BACKGROUND_CHECK_STATUSES = [
  'not_started',
  'pending',
  'passed',
  'failed',
  'needs_review',
  'expired',
] as const;
export type BackgroundCheckStatus = (typeof BACKGROUND_CHECK_STATUSES)[number];

/** `background_checks.status`: a request exists, so it has started. */
export const BACKGROUND_CHECK_REQUEST_STATUSES = ['pending', 'passed', 'failed', 'needs_review', 'expired'] as const;
export type BackgroundCheckRequestStatus = (typeof BACKGROUND_CHECK_REQUEST_STATUSES)[number];

/** `coach_profiles.onboarding_status` (the seed's `OnboardingStatus`). */
export const ONBOARDING_STATUSES = ['not_started', 'in_progress', 'completed', 'failed', 'expired'] as const;
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];

/** What the onboarding workflow shows in `coach_profiles` and the current `background_checks` row. */
export interface CoachProjection {
  coachId: string;
  onboardingStatus: Exclude<OnboardingStatus, 'not_started'>;
  currentStep: number;
  failureReason: string | null;
  profile: {
    sportSpecialties: string[];
    locationPreferences: string[];
    maxStudents: number;
    bio: string | null;
  } | null;
  business: {
    llcName: string;
    ein: string;
    insuranceProvider: string;
    policyNumber: string;
    insuranceExpiry: string;
  } | null;
  backgroundCheckStatus: 'not_started' | BackgroundCheckRequestStatus;
  backgroundCheck: {
    requestKey: string;
    status: BackgroundCheckRequestStatus;
    candidateId: string | null;
    invitationId: string | null;
    reportId: string | null;
    reportStatus: string | null;
    reportResult: string | null;
    adjudication: string | null;
    completedAt: string | null;
    reason: string | null;
  } | null;
  schoolId: number | null;
  /** Only a version greater than the stored one is written. */
  version: number;
}

/** One submitted quiz attempt, as `quiz_attempts` keeps it. */
export interface QuizAttemptRow {
  coachId: string;
  attemptId: string;
  attemptNumber: number;
  questionIds: string[];
  answers: { questionId: string; choiceId: string }[];
  correctCount: number;
  scorePercent: number;
  passed: boolean;
  startedAt: string;
  submittedAt: string;
}
