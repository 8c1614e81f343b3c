import { describe, expect, it } from 'vitest';
import {
  applyCancel,
  applyConsultationCompleted,
  applyDocumentsVerified,
  applyPaymentConfirmed,
  applyRetryRequest,
  applySubmission,
  afterRecordsSynced,
  close,
  currentStep,
  initialState,
  isFinished,
  recordSetSnapshot,
  recordsFailed,
  recordsSynced,
  recordsSyncPending,
  StepRejection,
  toProgress,
  toProjection,
  validateSubmission,
  type EnrollmentState,
} from '../../workflows/enrollment-state';
import { FailureTypes, type EnrollmentInput } from '../../workflows/messages';
import { payloads } from '../helpers/payloads';

const T0 = '2026-09-01T10:00:00.000Z';
const at = (minutes: number): string => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const input: EnrollmentInput = {
  enrollmentId: 'TSA-ENROLL-20260901-ABC123',
  invitationId: 'INV-0123456789ABCDEF',
  coachId: 'coach-1',
  schoolId: 1,
  parentEmail: 'maria.lopez@example.com',
};

/** The shared step payloads, as step submissions. */
const submissions = {
  1: { step: 1, data: payloads[1] },
  2: { step: 2, data: payloads[2] },
  3: { step: 3, data: payloads[3] },
  4: { step: 4, data: payloads[4] },
  5: { step: 5, data: payloads[5] },
  6: { step: 6, data: payloads[6] },
} as const;

const STUDENT_UNIQUE_ID = 'TSA-STU-20260901-XYZ789';

/** A refusal as the record-set activity reports it: a sentence for the parent, the detail for operators. */
const refused = (detail: string) => ({ parentMessage: "The student's records could not be created.", detail });

/** Validates and applies, as the workflow's update handler does. */
function submit(state: EnrollmentState, message: unknown, now = T0): void {
  applySubmission(state, validateSubmission(state, message), now);
  // The workflow assigns the id right after the student step; the state functions only carry it.
  if (state.student) state.records.studentUniqueId ??= STUDENT_UNIQUE_ID;
}

function rejection(fn: () => unknown): StepRejection {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StepRejection);
    return err as StepRejection;
  }
  throw new Error('expected a StepRejection');
}

/** A fresh enrollment with steps 1 to `through` done (step 3 confirmed by the coach). */
function stateThrough(through: 0 | 1 | 2 | 3 | 4 | 5): EnrollmentState {
  const state = initialState(input, T0);
  for (const step of [1, 2, 3, 4, 5] as const) {
    if (step > through) break;
    submit(state, submissions[step]);
    if (step === 3) applyConsultationCompleted(state, { completed: true }, T0);
  }
  return state;
}

/** The record set the workflow would write now, marked as written. */
function syncRecords(state: EnrollmentState, now = T0): void {
  const snapshot = recordSetSnapshot(state);
  recordsSynced(state, snapshot, snapshot.studentUniqueId, now);
}

describe('step order', () => {
  it('rejects a step whose earlier step is not completed, naming that step, and changes nothing', () => {
    const state = stateThrough(1);
    const before = structuredClone(state);
    const err = rejection(() => validateSubmission(state, submissions[4]));
    expect(err.type).toBe(FailureTypes.stepOutOfOrder);
    expect(err.message).toContain('before step 2 (program)');
    expect(state).toEqual(before);
  });

  it('rejects step 4 while the consultation still awaits the coach', () => {
    const state = stateThrough(2);
    submit(state, submissions[3]);
    const err = rejection(() => validateSubmission(state, submissions[4]));
    expect(err.type).toBe(FailureTypes.stepOutOfOrder);
    expect(err.message).toContain('step 3 (consultation)');
  });

  it('names every invalid field of a submission', () => {
    const state = stateThrough(3);
    const err = rejection(() => validateSubmission(state, { step: 4, data: { firstName: 'Sofia' } }));
    expect(err.type).toBe(FailureTypes.invalidInput);
    expect(err.issues?.map((i) => i.path).sort()).toEqual([
      'data.birthDate',
      'data.hispanicLatinoEthnicity',
      'data.lastName',
      'data.races',
      'data.sex',
    ]);
  });

  it('accepts a correction of an earlier completed step', () => {
    const state = stateThrough(3);
    submit(state, { step: 2, data: { ...submissions[2].data, gradeLevel: '10' } }, at(1));
    expect(state.program?.gradeLevel).toBe('10');
    expect(state.steps[2]).toEqual({ status: 'completed', completedAt: T0 });
    expect(currentStep(state)).toBe(4);
  });
});

describe('a closed enrollment', () => {
  it('rejects every submission as EnrollmentClosed', () => {
    const state = stateThrough(2);
    applyCancel(state, { reason: 'changed our minds' }, at(1));
    const err = rejection(() => validateSubmission(state, submissions[3]));
    expect(err.type).toBe(FailureTypes.enrollmentClosed);
    expect(err.message).toContain('cancelled');
  });
});

describe('resubmission', () => {
  it('of identical data is a no-op: version and time stay as they were', () => {
    const state = stateThrough(4);
    const before = structuredClone(state);
    for (const step of [1, 2, 3, 4] as const) submit(state, submissions[step], at(5));
    expect(state).toEqual(before);
  });

  it('of different student data bumps the version and asks for the record set again', () => {
    const state = stateThrough(4);
    syncRecords(state);
    expect(recordsSyncPending(state)).toBe(false);
    const version = state.version;
    submit(state, { step: 4, data: { ...submissions[4].data, firstName: 'Sophia' } }, at(1));
    expect(state.version).toBe(version + 1);
    expect(recordsSyncPending(state)).toBe(true);
    expect(recordSetSnapshot(state).student.firstName).toBe('Sophia');
    // The entry date is the day the student step was first accepted, not the correction's.
    expect(recordSetSnapshot(state).entryDate).toBe('2026-09-01');
  });
});

describe('step 3, consultation', () => {
  it('awaits the coach after the parent schedules it, and completes on consultationCompleted', () => {
    const state = stateThrough(2);
    submit(state, submissions[3]);
    expect(state.steps[3].status).toBe('awaiting_confirmation');
    expect(currentStep(state)).toBe(3);
    applyConsultationCompleted(state, { completed: true, notes: 'great fit' }, at(1));
    expect(state.steps[3]).toEqual({ status: 'completed', completedAt: at(1) });
    expect(state.consultation).toMatchObject({ completed: true, notes: 'great fit' });
    expect(currentStep(state)).toBe(4);
  });

  it('completes at once when the coach confirmed before the parent scheduled', () => {
    const state = stateThrough(2);
    applyConsultationCompleted(state, { completed: true }, T0);
    submit(state, submissions[3], at(1));
    expect(state.steps[3].status).toBe('completed');
  });

  it('records a confirmation that arrives before steps 1 and 2 as rejected', () => {
    const state = stateThrough(1);
    applyConsultationCompleted(state, { completed: true }, at(1));
    expect(state.consultation.completed).toBe(false);
    expect(state.rejectedMessages).toEqual([expect.objectContaining({ message: 'consultationCompleted', step: 3 })]);
  });
});

describe('step 5, documents', () => {
  it('stays pending with only some required documents, completes when the rest arrive', () => {
    const state = stateThrough(4);
    const [birth, shots, lease] = submissions[5].data.documents;
    submit(state, { step: 5, data: { documents: [birth] } });
    expect(state.steps[5].status).toBe('pending');
    submit(state, { step: 5, data: { documents: [shots] } });
    expect(state.steps[5].status).toBe('pending');
    submit(state, { step: 5, data: { documents: [lease] } }, at(2));
    expect(state.steps[5]).toEqual({ status: 'completed', completedAt: at(2) });
    expect(state.documents.submitted.map((d) => d.type).sort()).toEqual([
      'birth_certificate',
      'immunization_record',
      'proof_of_residence',
    ]);
  });

  it('counts the types staff verified as present', () => {
    const state = stateThrough(4);
    submit(state, { step: 5, data: { documents: [submissions[5].data.documents[0]] } });
    applyDocumentsVerified(state, { documentTypes: ['immunization_record'] }, at(1));
    expect(state.steps[5].status).toBe('pending');
    applyDocumentsVerified(state, { documentTypes: ['proof_of_residence'] }, at(2));
    expect(state.steps[5]).toEqual({ status: 'completed', completedAt: at(2) });
    expect(recordSetSnapshot(state).documentsComplete).toBe(true);
  });
});

describe('step 6, payment', () => {
  it('is rejected when the provider reports the payment failed, and a new payment can follow', () => {
    const state = stateThrough(5);
    submit(state, submissions[6]);
    expect(state.steps[6].status).toBe('awaiting_confirmation');
    applyPaymentConfirmed(state, { paymentReference: 'pay_12345', amountCents: 25_000, status: 'failed' }, at(1));
    expect(state.steps[6].status).toBe('rejected');
    expect(state.status).toBe('in_progress');
    expect(toProgress(state).rejectedMessages).toEqual([
      expect.objectContaining({ message: 'paymentConfirmed', step: 6, reason: expect.stringContaining('failed') }),
    ]);

    submit(state, { step: 6, data: { paymentReference: 'pay_67890', amountCents: 25_000 } }, at(2));
    expect(state.steps[6].status).toBe('awaiting_confirmation');
    applyPaymentConfirmed(state, { paymentReference: 'pay_67890', amountCents: 25_000, status: 'succeeded' }, at(3));
    expect(state.steps[6].status).toBe('completed');
    expect(state.status).toBe('enrolled');
  });

  it('completes when the confirmation arrived before the parent submitted the step', () => {
    const state = stateThrough(5);
    applyPaymentConfirmed(state, { paymentReference: 'pay_12345', amountCents: 25_000, status: 'succeeded' }, at(1));
    expect(state.steps[6].status).toBe('pending');
    expect(state.status).not.toBe('enrolled');
    submit(state, submissions[6], at(2));
    expect(state.steps[6]).toEqual({ status: 'completed', completedAt: at(2) });
    expect(state.status).toBe('enrolled');
    expect(recordSetSnapshot(state)).toMatchObject({
      enrollmentStatus: 'enrolled',
      depositPaid: true,
      enrollmentCompletedDate: '2026-09-01',
    });
  });

  it('rejects a confirmation for another amount', () => {
    const state = stateThrough(5);
    submit(state, submissions[6]);
    applyPaymentConfirmed(state, { paymentReference: 'pay_12345', amountCents: 100, status: 'succeeded' }, at(1));
    expect(state.steps[6].status).toBe('awaiting_confirmation');
    expect(state.rejectedMessages).toHaveLength(1);
  });

  it('ignores the same confirmation sent twice', () => {
    const state = stateThrough(5);
    submit(state, submissions[6]);
    const confirmation = { paymentReference: 'pay_12345', amountCents: 25_000, status: 'succeeded' } as const;
    applyPaymentConfirmed(state, confirmation, at(1));
    const after = structuredClone(state);
    applyPaymentConfirmed(state, confirmation, at(2));
    expect(state).toEqual(after);
  });
});

describe('cancel and expiry', () => {
  it('withdraws the record set when the records were already created', () => {
    const state = stateThrough(4);
    syncRecords(state);
    expect(state.status).toBe('registered');
    applyCancel(state, { reason: 'moving away' }, '2026-09-03T08:00:00.000Z');
    expect(state.status).toBe('cancelled');
    expect(recordsSyncPending(state)).toBe(true);
    expect(isFinished(state)).toBe(false);
    const snapshot = recordSetSnapshot(state);
    expect(snapshot.enrollmentStatus).toBe('withdrawn');
    expect(snapshot.withdrawal).toEqual({ date: '2026-09-03', kind: 'cancelled', reason: 'moving away' });
    recordsSynced(state, snapshot, snapshot.studentUniqueId, '2026-09-03T08:00:01.000Z');
    expect(isFinished(state)).toBe(true);
  });

  it('withdraws as expired on expiry', () => {
    const state = stateThrough(4);
    syncRecords(state);
    close(state, 'expired', 'no progress for 30 days', '2026-10-01T00:00:00.000Z');
    expect(recordSetSnapshot(state).withdrawal).toEqual({
      date: '2026-10-01',
      kind: 'expired',
      reason: 'no progress for 30 days',
    });
  });

  it('leaves nothing to write when creation had failed', () => {
    const state = stateThrough(4);
    recordsFailed(state, refused('birth date 2099-01-01 is after the entry date 2026-09-01'), at(1));
    close(state, 'expired', 'no progress for 30 days', at(2));
    expect(recordsSyncPending(state)).toBe(false);
    expect(isFinished(state)).toBe(true);
  });

  it('leaves nothing to write before step 4', () => {
    const state = stateThrough(2);
    applyCancel(state, { reason: 'not for us' }, at(1));
    expect(recordsSyncPending(state)).toBe(false);
    expect(state.records.status).toBe('not_started');
    expect(isFinished(state)).toBe(true);
  });

  it('records a second cancel as rejected', () => {
    const state = stateThrough(1);
    applyCancel(state, { reason: 'first' }, at(1));
    applyCancel(state, { reason: 'second' }, at(2));
    expect(state.closeReason).toBe('first');
    expect(state.rejectedMessages).toEqual([expect.objectContaining({ message: 'cancel' })]);
  });
});

describe('a correction the database refuses after the records exist', () => {
  it('cancel still withdraws the existing records, with the data last written', () => {
    const state = stateThrough(4);
    syncRecords(state);
    const written = state.student!;
    submit(state, { step: 4, data: { ...submissions[4].data, birthDate: '2099-01-01' } }, at(1));
    recordsFailed(state, refused('the birth date is after the school entry date'), at(2));
    applyCancel(state, { reason: 'moving away' }, at(3));
    expect(recordsSyncPending(state)).toBe(true);
    const snapshot = recordSetSnapshot(state);
    expect(snapshot.enrollmentStatus).toBe('withdrawn');
    expect(snapshot.student).toEqual(written);
    recordsSynced(state, snapshot, snapshot.studentUniqueId, at(4));
    expect(isFinished(state)).toBe(true);
  });

  it('an operator retry after cancellation is refused and changes nothing', () => {
    const state = stateThrough(4);
    syncRecords(state);
    applyCancel(state, { reason: 'moving away' }, at(1));
    syncRecords(state, at(2));
    const before = structuredClone(state.records);
    applyRetryRequest(state, { firstName: 'Sofi' }, at(3));
    expect(state.records).toEqual(before);
    expect(state.rejectedMessages.at(-1)).toMatchObject({
      message: 'retryStudentRecords',
      reason: 'enrollment is cancelled',
    });
    expect(isFinished(state)).toBe(true);
  });
});

describe('retry of student records', () => {
  it('applies the corrections and asks for the record set again, as enrolled after step 6', () => {
    const state = stateThrough(3);
    submit(state, { step: 4, data: { ...submissions[4].data, birthDate: '2099-01-01' } });
    recordsFailed(state, refused('birth date 2099-01-01 is after the entry date 2026-09-01'), at(1));
    expect(recordsSyncPending(state)).toBe(false);
    submit(state, submissions[5], at(2));
    submit(state, submissions[6], at(3));
    applyPaymentConfirmed(state, { paymentReference: 'pay_12345', amountCents: 25_000, status: 'succeeded' }, at(4));
    expect(state.status).toBe('enrolled');
    // Enrolled but without records: an operator still has work to do.
    expect(isFinished(state)).toBe(false);
    expect(recordsSyncPending(state)).toBe(false);

    applyRetryRequest(state, { birthDate: '2012-03-14' }, at(5));
    expect(toProgress(state).studentRecords).toEqual({ status: 'creating', studentUniqueId: STUDENT_UNIQUE_ID });
    expect(recordsSyncPending(state)).toBe(true);
    const snapshot = recordSetSnapshot(state);
    expect(snapshot).toMatchObject({ enrollmentStatus: 'enrolled', depositPaid: true });
    expect(snapshot.student.birthDate).toBe('2012-03-14');
    recordsSynced(state, snapshot, snapshot.studentUniqueId, at(6));
    expect(state.status).toBe('enrolled');
    expect(isFinished(state)).toBe(true);
  });

  it('is rejected before step 4', () => {
    const state = stateThrough(2);
    applyRetryRequest(state, undefined, at(1));
    expect(state.rejectedMessages).toEqual([expect.objectContaining({ message: 'retryStudentRecords', step: 4 })]);
  });
});

describe('isFinished', () => {
  it('is false while the enrollment is open', () => {
    const state = stateThrough(5);
    expect(isFinished(state)).toBe(false);
    syncRecords(state);
    expect(isFinished(state)).toBe(false);
  });

  it('is false once enrolled until the record set reflects the payment', () => {
    const state = stateThrough(5);
    syncRecords(state);
    submit(state, submissions[6]);
    applyPaymentConfirmed(state, { paymentReference: 'pay_12345', amountCents: 25_000, status: 'succeeded' }, at(1));
    expect(state.status).toBe('enrolled');
    expect(isFinished(state)).toBe(false);
    syncRecords(state, at(2));
    expect(isFinished(state)).toBe(true);
  });

  it('is true for a cancellation with nothing to withdraw', () => {
    const state = stateThrough(0);
    applyCancel(state, { reason: 'wrong family' }, at(1));
    expect(isFinished(state)).toBe(true);
  });
});

describe('the enrollments row a record-set write carries', () => {
  it('is the row the state shows once the write succeeds, and leaves the state as it was', () => {
    const state = stateThrough(4);
    const before = structuredClone(state);
    const snapshot = recordSetSnapshot(state);
    const carried = toProjection(afterRecordsSynced(state, snapshot, at(1)));
    expect(state).toEqual(before);
    expect(toProjection(state)).toMatchObject({ status: 'in_progress', studentRecordsStatus: 'creating' });

    recordsSynced(state, snapshot, snapshot.studentUniqueId, at(1));
    expect(carried).toEqual(toProjection(state));
    expect(carried).toMatchObject({
      status: 'registered',
      currentStep: 5,
      studentUniqueId: STUDENT_UNIQUE_ID,
      studentRecordsStatus: 'created',
      studentRecordsError: null,
    });
  });
});

describe('a record set the database refuses', () => {
  it('shows the parent a sentence and keeps the detail for operators, in progress and in the enrollments row', () => {
    const state = stateThrough(4);
    recordsFailed(state, refused('invalid data (SQLSTATE 22021; table students)'), at(1));
    expect(toProgress(state).studentRecords).toMatchObject({
      status: 'failed',
      error: "The student's records could not be created.",
      errorDetail: 'invalid data (SQLSTATE 22021; table students)',
    });
    expect(toProjection(state).studentRecordsError).toBe('invalid data (SQLSTATE 22021; table students)');
  });
});

describe('a cancel that arrives while the first record-set write is in flight', () => {
  it('finds nothing to withdraw, and the write that lands afterwards is withdrawn', () => {
    const state = stateThrough(4);
    const inFlight = recordSetSnapshot(state);
    applyCancel(state, { reason: 'moving away' }, at(1));
    expect(recordsSyncPending(state)).toBe(false);
    recordsSynced(state, inFlight, inFlight.studentUniqueId, at(2));
    expect(recordsSyncPending(state)).toBe(true);
    expect(recordSetSnapshot(state)).toMatchObject({ enrollmentStatus: 'withdrawn', student: inFlight.student });
  });
});
