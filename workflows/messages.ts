/**
 * Everything the API and other services need to talk to the workflows: task queue, ids, search attributes,
 * message definitions and their input/output types. Imports only Temporal's message helpers and zod schemas,
 * so the API can import it without pulling in workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';
import type { EnrollmentProgress } from '../domain/enrollment';
import type {
  consultationCompletedSchema,
  paymentConfirmationSchema,
  StepSubmission,
  studentCorrectionsSchema,
} from './enrollment-schemas';

export {
  ENROLLMENT_ID_PATTERN,
  type EnrollmentProgress,
  type EnrollmentStatus,
  type RejectedMessage,
  type StepProgress,
  type StepStatus,
  type StudentRecordsProgress,
  type StudentRecordsStatus,
} from '../domain/enrollment';

export const DEFAULT_TASK_QUEUE = 'tsa-enrollment';

export const EnrollmentStatusKey = defineSearchAttributeKey('EnrollmentStatus', SearchAttributeType.KEYWORD);
export const EnrollmentStepKey = defineSearchAttributeKey('EnrollmentStep', SearchAttributeType.INT);
export const StudentRecordsStatusKey = defineSearchAttributeKey('StudentRecordsStatus', SearchAttributeType.KEYWORD);
export const CoachIdKey = defineSearchAttributeKey('CoachId', SearchAttributeType.KEYWORD);
export const SchoolIdKey = defineSearchAttributeKey('SchoolId', SearchAttributeType.INT);
/** A coach onboarding's status (`in_progress`, `completed`, `failed`, `expired`) and current step. */
export const CoachOnboardingStatusKey = defineSearchAttributeKey('CoachOnboardingStatus', SearchAttributeType.KEYWORD);
export const CoachOnboardingStepKey = defineSearchAttributeKey('CoachOnboardingStep', SearchAttributeType.INT);

/** Custom search attributes the workflows set; none carries personal data. */
export const SEARCH_ATTRIBUTES = [
  EnrollmentStatusKey,
  EnrollmentStepKey,
  StudentRecordsStatusKey,
  CoachIdKey,
  SchoolIdKey,
  CoachOnboardingStatusKey,
  CoachOnboardingStepKey,
] as const;

/** Who sent a message; carried into the history so auditors can see it. */
export interface Actor {
  role: 'parent' | 'coach' | 'ops' | 'auditor' | 'system' | 'payment_provider' | 'background_check_provider';
  id: string;
}

export interface EnrollmentTimings {
  /** Milliseconds without progress before the first reminder (default 3 days). */
  firstReminderAfterMs?: number;
  /** Milliseconds without progress before the second reminder (default 7 days). */
  secondReminderAfterMs?: number;
  /** Milliseconds without progress before the enrollment expires (default 30 days). */
  expireAfterMs?: number;
}

export interface EnrollmentInput {
  enrollmentId: string;
  invitationId: string;
  coachId: string | null;
  schoolId: number;
  parentEmail: string;
  timings?: EnrollmentTimings;
}

export type StepSubmissionMessage = StepSubmission & { actor?: Actor };
export type ConsultationCompletedMessage = z.infer<typeof consultationCompletedSchema> & { actor?: Actor };
export type PaymentConfirmedMessage = Omit<z.infer<typeof paymentConfirmationSchema>, 'enrollmentId'> & {
  actor?: Actor;
};
export interface DocumentsVerifiedMessage {
  /** Document types staff have seen (e.g. paper copies handed in); they count as present. */
  documentTypes?: ('birth_certificate' | 'immunization_record' | 'proof_of_residence' | 'prior_school_records')[];
  notes?: string;
  actor?: Actor;
}
export interface RetryStudentRecordsMessage {
  corrections?: z.infer<typeof studentCorrectionsSchema>;
  actor?: Actor;
}
export interface CancelMessage {
  reason: string;
  actor?: Actor;
}

export const progressQuery = defineQuery<EnrollmentProgress>('progress');
export const submitStepUpdate = defineUpdate<EnrollmentProgress, [StepSubmissionMessage]>('submitStep');
export const submitStepSignal = defineSignal<[StepSubmissionMessage]>('submitStep');
export const consultationCompletedSignal = defineSignal<[ConsultationCompletedMessage]>('consultationCompleted');
export const documentsVerifiedSignal = defineSignal<[DocumentsVerifiedMessage]>('documentsVerified');
export const paymentConfirmedSignal = defineSignal<[PaymentConfirmedMessage]>('paymentConfirmed');
export const retryStudentRecordsSignal = defineSignal<[RetryStudentRecordsMessage]>('retryStudentRecords');
export const cancelSignal = defineSignal<[CancelMessage]>('cancel');

/** Application failure types the API maps to HTTP statuses. */
export const FailureTypes = {
  invalidInput: 'InvalidInput',
  stepOutOfOrder: 'StepOutOfOrder',
  enrollmentClosed: 'EnrollmentClosed',
  studentRecordsInvalid: 'StudentRecordsInvalid',
} as const;
