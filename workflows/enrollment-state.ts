/**
 * The enrollment's state and the pure functions that change it. The workflow body only wires messages, timers and
 * activities to these; they are unit-tested without a server. No I/O, no clock: callers pass the time.
 */
import type { EnrollmentRow, StudentRecordSetInput } from '../domain/enrollment';
import {
  hasAllRequiredDocuments,
  STEP_NAMES,
  stepSubmissionSchema,
  formatIssues,
  type DocumentsStep,
  type DocumentType,
  type GuardianStep,
  type ProgramStep,
  type StepNumber,
  type StepSubmission,
  type StudentCorrections,
  type StudentStep,
} from './enrollment-schemas';
import {
  FailureTypes,
  type CancelMessage,
  type ConsultationCompletedMessage,
  type DocumentsVerifiedMessage,
  type EnrollmentInput,
  type EnrollmentProgress,
  type EnrollmentStatus,
  type PaymentConfirmedMessage,
  type RejectedMessage,
  type StepStatus,
  type StudentRecordsStatus,
} from './messages';

export const STEPS = [1, 2, 3, 4, 5, 6] as const satisfies readonly StepNumber[];
const MAX_REJECTED_MESSAGES = 20;

export interface EnrollmentState {
  enrollmentId: string;
  invitationId: string;
  coachId: string | null;
  schoolId: number;
  status: EnrollmentStatus;
  steps: Record<StepNumber, { status: StepStatus; completedAt?: string }>;
  guardian?: GuardianStep;
  program?: ProgramStep;
  consultation: { scheduledAt?: string; completed: boolean; notes?: string };
  student?: StudentStep;
  /** Date (YYYY-MM-DD) the student step was first accepted: the school entry date. */
  studentSubmittedOn?: string;
  documents: { submitted: DocumentsStep['documents']; verifiedTypes: DocumentType[] };
  payment: {
    reference?: string;
    amountCents?: number;
    /** A provider confirmation that arrived before the parent's own submission. */
    confirmedReference?: string;
    confirmedAmountCents?: number;
    paidOn?: string;
  };
  records: {
    status: StudentRecordsStatus;
    studentUniqueId?: string;
    /** Why the last write was refused, in a sentence for the parent. */
    error?: string;
    /** The same refusal as operators and auditors need it (may name tables and SQLSTATEs; never shown to parents). */
    errorDetail?: string;
    attempts: number;
    /** Bumped by every change the record set must reflect; the workflow syncs while synced < desired. */
    desiredVersion: number;
    syncedVersion: number;
    /** A data failure waits for an operator's retry instead of being retried blindly. */
    awaitingRetry: boolean;
    /** The student data last written successfully: a withdrawal after a refused correction still succeeds. */
    writtenStudent?: StudentStep;
  };
  closedOn?: string;
  closeReason?: string;
  rejectedMessages: RejectedMessage[];
  /** Bumped on every accepted change; orders projection writes and resets the inactivity clock. */
  version: number;
  /** When `version` last changed: the inactivity clock runs from here. */
  progressedAt: string;
  updatedAt: string;
}

export class StepRejection extends Error {
  constructor(
    readonly type: (typeof FailureTypes)[keyof typeof FailureTypes],
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'StepRejection';
  }
}

export function initialState(input: EnrollmentInput, now: string): EnrollmentState {
  return {
    enrollmentId: input.enrollmentId,
    invitationId: input.invitationId,
    coachId: input.coachId,
    schoolId: input.schoolId,
    status: 'in_progress',
    steps: {
      1: { status: 'pending' },
      2: { status: 'pending' },
      3: { status: 'pending' },
      4: { status: 'pending' },
      5: { status: 'pending' },
      6: { status: 'pending' },
    },
    consultation: { completed: false },
    documents: { submitted: [], verifiedTypes: [] },
    payment: {},
    records: { status: 'not_started', attempts: 0, desiredVersion: 0, syncedVersion: 0, awaitingRetry: false },
    rejectedMessages: [],
    version: 1,
    progressedAt: now,
    updatedAt: now,
  };
}

export function isClosed(state: EnrollmentState): boolean {
  return state.status === 'enrolled' || state.status === 'cancelled' || state.status === 'expired';
}

export function currentStep(state: EnrollmentState): StepNumber {
  return STEPS.find((step) => state.steps[step].status !== 'completed') ?? 6;
}

function touch(state: EnrollmentState, now: string): void {
  state.version += 1;
  state.progressedAt = now;
  state.updatedAt = now;
}

/** The record set must be (re)written: only once step 4 has given us a student. */
function requestRecordSync(state: EnrollmentState): void {
  if (state.student === undefined) return;
  state.records.desiredVersion = state.version;
  if (state.records.status === 'not_started') state.records.status = 'creating';
}

function completeStep(state: EnrollmentState, step: StepNumber, now: string): void {
  const current = state.steps[step];
  state.steps[step] = { status: 'completed', completedAt: current.status === 'completed' ? current.completedAt : now };
}

/**
 * Checks a submission without changing anything: the update validator and the signal handler both call it.
 * Throws StepRejection naming the fields, the missing earlier step, or the closed enrollment.
 */
export function validateSubmission(state: EnrollmentState, message: unknown): StepSubmission {
  const parsed = stepSubmissionSchema.safeParse(stripActor(message));
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new StepRejection(
      FailureTypes.invalidInput,
      `Invalid step submission: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const submission = parsed.data;
  if (isClosed(state)) {
    throw new StepRejection(FailureTypes.enrollmentClosed, `Enrollment ${state.enrollmentId} is ${state.status}`);
  }
  const missing = STEPS.filter((s) => s < submission.step && state.steps[s].status !== 'completed');
  if (missing.length > 0) {
    throw new StepRejection(
      FailureTypes.stepOutOfOrder,
      `Step ${submission.step} (${STEP_NAMES[submission.step]}) cannot be submitted before step ${missing[0]} (${STEP_NAMES[missing[0]!]}) is completed`,
    );
  }
  return submission;
}

function stripActor(message: unknown): unknown {
  if (message === null || typeof message !== 'object') return message;
  const { actor: _actor, ...rest } = message as Record<string, unknown>;
  return rest;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Applies a validated submission. Re-sending identical data for a completed step changes nothing. */
export function applySubmission(state: EnrollmentState, submission: StepSubmission, now: string): void {
  const today = now.slice(0, 10);
  switch (submission.step) {
    case 1:
      if (state.steps[1].status === 'completed' && same(state.guardian, submission.data)) return;
      state.guardian = submission.data;
      completeStep(state, 1, now);
      touch(state, now);
      requestRecordSync(state);
      return;
    case 2:
      if (state.steps[2].status === 'completed' && same(state.program, submission.data)) return;
      state.program = submission.data;
      completeStep(state, 2, now);
      touch(state, now);
      requestRecordSync(state);
      return;
    case 3:
      if (state.steps[3].status !== 'pending' && state.consultation.scheduledAt === submission.data.scheduledAt) return;
      state.consultation.scheduledAt = submission.data.scheduledAt;
      if (state.consultation.completed) completeStep(state, 3, now);
      else state.steps[3] = { status: 'awaiting_confirmation' };
      touch(state, now);
      return;
    case 4:
      if (state.steps[4].status === 'completed' && same(state.student, submission.data)) return;
      state.student = submission.data;
      state.studentSubmittedOn ??= today;
      completeStep(state, 4, now);
      touch(state, now);
      requestRecordSync(state);
      return;
    case 5: {
      const byType = new Map(state.documents.submitted.map((d) => [d.type, d]));
      for (const doc of submission.data.documents) byType.set(doc.type, doc);
      const submitted = [...byType.values()];
      if (same(submitted, state.documents.submitted)) return;
      state.documents.submitted = submitted;
      settleDocuments(state, now);
      touch(state, now);
      requestRecordSync(state);
      return;
    }
    case 6:
      if (state.payment.reference === submission.data.paymentReference && state.steps[6].status !== 'rejected') return;
      state.payment.reference = submission.data.paymentReference;
      state.payment.amountCents = submission.data.amountCents;
      state.steps[6] = { status: 'awaiting_confirmation' };
      if (
        state.payment.confirmedReference === submission.data.paymentReference &&
        state.payment.confirmedAmountCents === submission.data.amountCents
      ) {
        markPaid(state, now);
      }
      touch(state, now);
      requestRecordSync(state);
      return;
  }
}

function settleDocuments(state: EnrollmentState, now: string): void {
  const present = [...state.documents.submitted, ...state.documents.verifiedTypes.map((type) => ({ type }))];
  if (hasAllRequiredDocuments(present)) completeStep(state, 5, now);
}

function markPaid(state: EnrollmentState, now: string): void {
  completeStep(state, 6, now);
  state.payment.paidOn = now.slice(0, 10);
  state.status = 'enrolled';
}

export function reject(state: EnrollmentState, now: string, message: string, reason: string, step?: number): void {
  state.rejectedMessages.push({ at: now, message, reason, ...(step === undefined ? {} : { step }) });
  if (state.rejectedMessages.length > MAX_REJECTED_MESSAGES) state.rejectedMessages.shift();
  state.updatedAt = now;
}

export function applyConsultationCompleted(
  state: EnrollmentState,
  message: ConsultationCompletedMessage,
  now: string,
): void {
  if (isClosed(state)) return reject(state, now, 'consultationCompleted', `enrollment is ${state.status}`, 3);
  if (state.steps[1].status !== 'completed' || state.steps[2].status !== 'completed') {
    return reject(state, now, 'consultationCompleted', 'steps 1 and 2 must be completed first', 3);
  }
  if (state.consultation.completed) return;
  state.consultation.completed = true;
  if (message.notes !== undefined) state.consultation.notes = message.notes;
  completeStep(state, 3, now);
  touch(state, now);
  requestRecordSync(state);
}

export function applyDocumentsVerified(state: EnrollmentState, message: DocumentsVerifiedMessage, now: string): void {
  if (isClosed(state)) return reject(state, now, 'documentsVerified', `enrollment is ${state.status}`, 5);
  const types = new Set([...state.documents.verifiedTypes, ...(message.documentTypes ?? [])]);
  const verifiedTypes = [...types].sort();
  if (same(verifiedTypes, state.documents.verifiedTypes) && state.steps[5].status === 'completed') return;
  state.documents.verifiedTypes = verifiedTypes;
  settleDocuments(state, now);
  touch(state, now);
  requestRecordSync(state);
}

export function applyPaymentConfirmed(state: EnrollmentState, message: PaymentConfirmedMessage, now: string): void {
  if (state.steps[6].status === 'completed') {
    if (message.paymentReference !== state.payment.reference) {
      reject(state, now, 'paymentConfirmed', `deposit already confirmed with ${state.payment.reference}`, 6);
    }
    return;
  }
  if (isClosed(state)) return reject(state, now, 'paymentConfirmed', `enrollment is ${state.status}`, 6);
  if (state.payment.reference !== undefined && state.payment.reference !== message.paymentReference) {
    return reject(state, now, 'paymentConfirmed', `unknown payment reference ${message.paymentReference}`, 6);
  }
  if (state.payment.amountCents !== undefined && state.payment.amountCents !== message.amountCents) {
    return reject(
      state,
      now,
      'paymentConfirmed',
      `amount ${message.amountCents} does not match the submitted ${state.payment.amountCents}`,
      6,
    );
  }
  if (message.status === 'failed') {
    if (state.payment.reference === undefined) return reject(state, now, 'paymentConfirmed', 'payment failed', 6);
    state.steps[6] = { status: 'rejected' };
    reject(state, now, 'paymentConfirmed', 'the payment provider reported the payment as failed', 6);
    touch(state, now);
    return;
  }
  state.payment.confirmedReference = message.paymentReference;
  state.payment.confirmedAmountCents = message.amountCents;
  const earlierStepsDone = STEPS.every((s) => s === 6 || state.steps[s].status === 'completed');
  if (state.payment.reference !== undefined && earlierStepsDone) markPaid(state, now);
  touch(state, now);
  requestRecordSync(state);
}

export function applyRetryRequest(
  state: EnrollmentState,
  corrections: StudentCorrections | undefined,
  now: string,
): void {
  if (state.student === undefined) {
    return reject(state, now, 'retryStudentRecords', 'no student data yet: step 4 has not been submitted', 4);
  }
  if (state.status === 'cancelled' || state.status === 'expired') {
    return reject(state, now, 'retryStudentRecords', `enrollment is ${state.status}`, 4);
  }
  if (state.records.status === 'created' && !corrections) return;
  if (corrections) state.student = { ...state.student, ...corrections };
  state.records.awaitingRetry = false;
  state.records.error = undefined;
  state.records.errorDetail = undefined;
  if (state.records.status === 'failed') state.records.status = 'creating';
  touch(state, now);
  requestRecordSync(state);
}

/** Cancel or expiry. Created records are withdrawn; records that never existed are not created just to withdraw. */
export function close(state: EnrollmentState, status: 'cancelled' | 'expired', reason: string, now: string): void {
  if (isClosed(state)) return;
  state.status = status;
  state.closedOn = now.slice(0, 10);
  state.closeReason = reason;
  touch(state, now);
  state.records.awaitingRetry = false;
  if (state.records.writtenStudent === undefined) {
    // Nothing was ever written: there is nothing to withdraw.
    state.records.desiredVersion = state.records.syncedVersion;
    return;
  }
  // Withdraw what exists, with the data that was last accepted (a refused correction is not retried here).
  withdrawWrittenRecords(state);
}

/** Withdraws what was written, with the data that was last written. */
function withdrawWrittenRecords(state: EnrollmentState): void {
  state.student = state.records.writtenStudent;
  state.records.error = undefined;
  state.records.errorDetail = undefined;
  requestRecordSync(state);
}

export function applyCancel(state: EnrollmentState, message: CancelMessage, now: string): void {
  if (isClosed(state)) return reject(state, now, 'cancel', `enrollment is already ${state.status}`);
  close(state, 'cancelled', message.reason, now);
}

export function recordsSyncPending(state: EnrollmentState): boolean {
  return !state.records.awaitingRetry && state.records.desiredVersion > state.records.syncedVersion;
}

export function recordsSynced(
  state: EnrollmentState,
  written: Pick<StudentRecordSetInput, 'version' | 'student' | 'enrollmentStatus'>,
  studentUniqueId: string,
  now: string,
): void {
  state.records.syncedVersion = Math.max(state.records.syncedVersion, written.version);
  state.records.writtenStudent = written.student;
  // The database keeps the first id it was given for this enrollment; progress shows the one that exists.
  state.records.studentUniqueId = studentUniqueId;
  const firstCreation = state.records.status !== 'created';
  state.records.status = 'created';
  state.records.error = undefined;
  state.records.errorDetail = undefined;
  if (state.status === 'in_progress') state.status = 'registered';
  if (firstCreation) touch(state, now);
  // A cancel or expiry that came while this write was in flight found nothing to withdraw: what it wrote is withdrawn.
  const closed = state.status === 'cancelled' || state.status === 'expired';
  if (closed && written.enrollmentStatus !== 'withdrawn') withdrawWrittenRecords(state);
}

/** The state as it will be once this record-set write succeeds; the state itself is left as it is. */
export function afterRecordsSynced(
  state: EnrollmentState,
  written: Pick<StudentRecordSetInput, 'version' | 'student' | 'studentUniqueId' | 'enrollmentStatus'>,
  now: string,
): EnrollmentState {
  const copy: EnrollmentState = { ...state, records: { ...state.records } };
  recordsSynced(copy, written, written.studentUniqueId, now);
  return copy;
}

/** The `enrollments` row that shows this state (its version aside). */
export function toProjection(state: EnrollmentState): Omit<EnrollmentRow, 'version'> {
  const { records } = state;
  return {
    enrollmentId: state.enrollmentId,
    invitationId: state.invitationId,
    coachId: state.coachId,
    schoolId: state.schoolId,
    status: state.status,
    currentStep: currentStep(state),
    studentUniqueId: records.status === 'created' ? (records.studentUniqueId ?? null) : null,
    studentRecordsStatus: records.status,
    studentRecordsError: records.errorDetail ?? null,
    studentRecordsAttempts: records.attempts,
  };
}

export function recordsFailed(
  state: EnrollmentState,
  refusal: { parentMessage: string; detail: string },
  now: string,
): void {
  state.records.status = 'failed';
  state.records.error = refusal.parentMessage;
  state.records.errorDetail = refusal.detail;
  state.records.awaitingRetry = true;
  touch(state, now);
}

/** The workflow is done when it is closed and nothing is left for the record set to do. */
export function isFinished(state: EnrollmentState): boolean {
  if (!isClosed(state)) return false;
  if (state.status === 'enrolled' && state.records.status === 'failed') return false;
  return !recordsSyncPending(state);
}

export function toProgress(state: EnrollmentState): EnrollmentProgress {
  const { status, studentUniqueId, error, errorDetail, attempts } = state.records;
  return {
    enrollmentId: state.enrollmentId,
    status: state.status,
    currentStep: currentStep(state),
    steps: STEPS.map((step) => ({
      step,
      name: STEP_NAMES[step],
      status: state.steps[step].status,
      ...(state.steps[step].completedAt ? { completedAt: state.steps[step].completedAt } : {}),
    })),
    studentRecords: {
      status,
      ...(studentUniqueId ? { studentUniqueId } : {}),
      ...(error ? { error } : {}),
      ...(errorDetail ? { errorDetail } : {}),
      ...(attempts > 0 ? { attempts } : {}),
    },
    rejectedMessages: state.rejectedMessages,
    updatedAt: state.updatedAt,
  };
}

export function recordSetSnapshot(state: EnrollmentState): StudentRecordSetInput {
  const { guardian, program, student, studentSubmittedOn, records } = state;
  if (!guardian || !program || !student || !studentSubmittedOn || !records.studentUniqueId) {
    throw new Error('the student record set needs steps 1, 2 and 4 and a student unique id');
  }
  const withdrawn = state.status === 'cancelled' || state.status === 'expired';
  return {
    enrollmentId: state.enrollmentId,
    invitationId: state.invitationId,
    coachId: state.coachId,
    schoolId: state.schoolId,
    studentUniqueId: records.studentUniqueId,
    guardian,
    program,
    student,
    entryDate: studentSubmittedOn,
    enrollmentStatus: withdrawn ? 'withdrawn' : state.steps[6].status === 'completed' ? 'enrolled' : 'registered',
    consultationCompleted: state.consultation.completed,
    documentsComplete: state.steps[5].status === 'completed',
    depositPaid: state.steps[6].status === 'completed',
    enrollmentCompletedDate: state.payment.paidOn ?? null,
    withdrawal:
      withdrawn && state.closedOn
        ? { date: state.closedOn, kind: state.status as 'cancelled' | 'expired', reason: state.closeReason ?? '' }
        : null,
    version: records.desiredVersion,
  };
}
