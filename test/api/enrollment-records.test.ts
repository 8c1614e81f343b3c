import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SOURCE_SYSTEM_DESCRIPTOR,
  toEdFiStudent,
  toEdFiStudentEducationOrganizationAssociation,
  toEdFiStudentSchoolAssociation,
  toOneRosterUser,
} from '../../standards';
import { countRecordSet, guardianSourcedId } from '../../db/repositories/student-records';
import {
  paymentConfirmedSignal,
  retryStudentRecordsSignal,
  submitStepSignal,
  type EnrollmentProgress,
  type StepSubmissionMessage,
} from '../../workflows/messages';
import {
  bearer,
  confirmConsultation,
  confirmPayment,
  createInvitation,
  guardianStep,
  payloads,
  progress,
  redeem,
  startEnrollment,
  submitOk,
  submitStep,
  throughConsultation,
  waitForProgress,
  waitForValue,
  type Enrollment,
  ONE_RECORD_SET,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';
import { edFi, knownDescriptors, oneRoster } from '../helpers/standards';

const DEFAULT_SCHOOL_ORG = 'school-1';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

const handleOf = (e: Enrollment) => stack.client.workflow.getHandle(e.enrollmentId);
const result = async (e: Enrollment) => (await handleOf(e).result()) as EnrollmentProgress;
const dateOf = (isoTime: string | undefined) => isoTime!.slice(0, 10);

/** Every row of one enrollment's student record set (undefined where a row is missing). */
async function loadRecordSet(enrollmentId: string) {
  const { db } = stack;
  const student = await db
    .selectFrom('students')
    .selectAll()
    .where('enrollment_id', '=', enrollmentId)
    .executeTakeFirst();
  if (!student) return undefined;
  const uid = student.student_unique_id;
  const [seoa, ssa, extension, studentUser] = await Promise.all([
    db
      .selectFrom('student_education_organization_associations')
      .selectAll()
      .where('student_unique_id', '=', uid)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('student_school_associations')
      .selectAll()
      .where('student_unique_id', '=', uid)
      .executeTakeFirstOrThrow(),
    db.selectFrom('tsa_student_extensions').selectAll().where('student_unique_id', '=', uid).executeTakeFirstOrThrow(),
    db.selectFrom('users').selectAll().where('sourced_id', '=', `student_${uid}`).executeTakeFirstOrThrow(),
  ]);
  const guardian = await db
    .selectFrom('users')
    .selectAll()
    .where('sourced_id', '=', studentUser.agents[0]!)
    .executeTakeFirstOrThrow();
  return { student, seoa, ssa, extension, studentUser, guardian };
}

const projection = (enrollmentId: string) =>
  stack.db.selectFrom('enrollments').selectAll().where('enrollment_id', '=', enrollmentId).executeTakeFirstOrThrow();

const studentRows = async (enrollmentId: string) =>
  (await stack.db.selectFrom('students').select('student_usi').where('enrollment_id', '=', enrollmentId).execute())
    .length;

function cancel(e: Enrollment, reason = 'we chose another school') {
  return stack.app.inject({
    method: 'POST',
    url: `/v1/enrollments/${e.enrollmentId}/cancel`,
    headers: bearer(e.parentToken),
    payload: { reason },
  });
}

/** A workflow signal as the API or another service would send it (the payloads above are deeply readonly). */
const stepMessage = (step: 1 | 2 | 3 | 4 | 5 | 6, data: unknown = payloads[step]) =>
  ({ step, data }) as unknown as StepSubmissionMessage;

describe('complete flow', () => {
  it('writes one standards-conforming record set whose every column says what the parent submitted', async () => {
    const coachId = `coach-${randomUUID()}`;
    const invitation = await createInvitation(stack, { coachId });
    const redeemed = await redeem(stack, invitation.invitationToken);
    expect(redeemed.statusCode, redeemed.body).toBe(201);
    const e: Enrollment = redeemed.json();
    const step1 = guardianStep();

    await submitOk(stack, e, 1, step1);
    await submitOk(stack, e, 2);
    await submitOk(stack, e, 3);
    await confirmConsultation(stack, e);
    await waitForProgress(stack, e, (p) => p.steps[2]!.status === 'completed');
    await submitOk(stack, e, 4);
    // The answer to step 4 leaves once the record set and the `enrollments` row that shows it are both written.
    const [studentAtStep4] = await stack.db
      .selectFrom('students')
      .select('student_unique_id')
      .where('enrollment_id', '=', e.enrollmentId)
      .execute();
    expect(await projection(e.enrollmentId)).toMatchObject({
      status: 'registered',
      current_step: 5,
      student_records_status: 'created',
      student_unique_id: studentAtStep4?.student_unique_id,
      student_records_attempts: 1,
    });
    await submitOk(stack, e, 5);
    await submitOk(stack, e, 6);
    await confirmPayment(stack, e);
    const done = await result(e);

    expect(done.status).toBe('enrolled');
    expect(done.steps.map((s) => s.status)).toEqual(Array(6).fill('completed'));
    expect(done.studentRecords.status).toBe('created');
    expect(done.rejectedMessages).toEqual([]);
    const enteredOn = dateOf(done.steps[3]!.completedAt);
    const paidOn = dateOf(done.steps[5]!.completedAt);
    const uid = done.studentRecords.studentUniqueId!;
    expect(uid).toMatch(new RegExp(`^TSA-STU-${enteredOn.replaceAll('-', '')}-[A-Z0-9]{6}$`));

    const set = (await loadRecordSet(e.enrollmentId))!;
    const usi = set.student.student_usi;
    expect(usi).toEqual(expect.any(Number));
    expect(set.student).toEqual({
      student_usi: usi,
      student_unique_id: uid,
      enrollment_id: e.enrollmentId,
      first_name: 'Sofia',
      middle_name: 'Ana',
      last_name: 'Lopez',
      birth_date: '2012-03-14',
      birth_sex_descriptor: 'uri://ed-fi.org/SexDescriptor#Female',
      hispanic_latino_ethnicity: true,
      races: [
        'uri://ed-fi.org/RaceDescriptor#White',
        'uri://ed-fi.org/RaceDescriptor#American Indian or Alaska Native',
      ],
      source_system_descriptor: 'uri://tsa.academy/SourceSystemDescriptor#TSA_Admissions_Portal',
      created_at: expect.any(Date),
      updated_at: expect.any(Date),
      change_version: expect.any(Number),
    });
    expect(set.seoa).toEqual({
      id: expect.any(Number),
      student_unique_id: uid,
      education_organization_id: 1,
      sex_descriptor: 'uri://ed-fi.org/SexDescriptor#Female',
      races: [
        'uri://ed-fi.org/RaceDescriptor#White',
        'uri://ed-fi.org/RaceDescriptor#American Indian or Alaska Native',
      ],
      hispanic_latino_ethnicity: true,
      created_at: expect.any(Date),
      updated_at: expect.any(Date),
      change_version: expect.any(Number),
    });
    expect(set.ssa).toEqual({
      id: expect.any(Number),
      student_unique_id: uid,
      school_id: 1,
      entry_date: enteredOn,
      entry_grade_level_descriptor: 'uri://ed-fi.org/GradeLevelDescriptor#Ninth grade',
      // A previous school was named in step 2.
      entry_type_descriptor: 'uri://ed-fi.org/EntryTypeDescriptor#Transfer',
      // Starting 2026-08-17 is the 2026–27 school year.
      school_year: 2027,
      primary_school: true,
      exit_withdraw_date: null,
      exit_withdraw_type_descriptor: null,
      created_at: expect.any(Date),
      updated_at: expect.any(Date),
      change_version: expect.any(Number),
    });
    expect(set.extension).toEqual({
      student_unique_id: uid,
      sport_interests: ['basketball', 'soccer'],
      enrollment_status: 'enrolled',
      assigned_program_track: 'basketball',
      grade_level_at_enrollment: '09',
      expected_start_date: '2026-08-17',
      referring_coach_id: coachId,
      invitation_id: invitation.invitationId,
      parent_consultation_completed: true,
      required_documents_complete: true,
      deposit_paid: true,
      enrollment_completed_date: paidOn,
      custom_data: {
        enrollmentId: e.enrollmentId,
        previousSchool: 'Austin Middle School',
        recordSetVersion: expect.any(Number),
      },
      created_at: expect.any(Date),
      updated_at: expect.any(Date),
    });

    const guardianId = guardianSourcedId(e.enrollmentId, step1.guardian.email);
    expect(set.studentUser).toEqual({
      sourced_id: `student_${uid}`,
      status: 'active',
      enabled_user: true,
      username: `sofia.lopez.${usi}`,
      given_name: 'Sofia',
      middle_name: 'Ana',
      family_name: 'Lopez',
      role: 'student',
      identifier: uid,
      email: null,
      phone: null,
      birth_date: '2012-03-14',
      org_ids: [DEFAULT_SCHOOL_ORG],
      grades: ['09'],
      agents: [guardianId],
      model_metadata: {
        enrollmentId: e.enrollmentId,
        invitationId: invitation.invitationId,
        source: 'TSA_Admissions_Portal',
      },
      date_last_modified: expect.any(Date),
      created_at: expect.any(Date),
      change_version: expect.any(Number),
      row_seq: expect.any(Number),
    });
    expect(set.guardian).toEqual({
      sourced_id: guardianId,
      status: 'active',
      enabled_user: true,
      username: null,
      given_name: 'Maria',
      middle_name: null,
      family_name: 'Lopez',
      // A mother is a parent in OneRoster's vocabulary.
      role: 'parent',
      identifier: null,
      email: step1.guardian.email,
      phone: '+1 512-555-0142',
      birth_date: null,
      org_ids: [DEFAULT_SCHOOL_ORG],
      grades: [],
      agents: [`student_${uid}`],
      model_metadata: { relationship: 'mother', address: payloads[1].address },
      date_last_modified: expect.any(Date),
      created_at: expect.any(Date),
      change_version: expect.any(Number),
      row_seq: expect.any(Number),
    });

    // The standards' JSON built from the stored rows validates against the standards' own schemas.
    const exports = {
      student: toEdFiStudent(set.student),
      studentSchoolAssociation: toEdFiStudentSchoolAssociation(set.ssa),
      studentEducationOrganizationAssociation: toEdFiStudentEducationOrganizationAssociation(set.seoa),
    };
    for (const [name, document] of Object.entries(exports)) {
      const validate = edFi[name as keyof typeof edFi];
      expect(validate(document), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const descriptors = [
      exports.student.birthSexDescriptor,
      exports.studentSchoolAssociation.entryGradeLevelDescriptor,
      exports.studentSchoolAssociation.entryTypeDescriptor,
      exports.studentEducationOrganizationAssociation.sexDescriptor,
      ...exports.studentEducationOrganizationAssociation.races.map((r) => r.raceDescriptor),
    ];
    for (const descriptor of descriptors) expect(knownDescriptors, descriptor).toContain(descriptor);
    expect(exports.student.personReference.sourceSystemDescriptor).toBe(SOURCE_SYSTEM_DESCRIPTOR);
    for (const user of [set.studentUser, set.guardian]) {
      const document = toOneRosterUser(user);
      expect(oneRoster.user(document), `${user.sourced_id}: ${JSON.stringify(oneRoster.user.errors)}`).toBe(true);
    }

    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
    expect(await projection(e.enrollmentId)).toMatchObject({
      invitation_id: invitation.invitationId,
      status: 'enrolled',
      current_step: 6,
      coach_id: coachId,
      school_id: 1,
      student_unique_id: uid,
      student_records_status: 'created',
      student_records_error: null,
    });
  });
});

describe('partial flow to step 3', () => {
  it('writes no student records, and the projection shows the enrollment at step 4', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    const p = await progress(stack, e);
    expect(p).toMatchObject({ status: 'in_progress', currentStep: 4, studentRecords: { status: 'not_started' } });
    const row = await waitForValue(
      () => projection(e.enrollmentId),
      (r) => r.current_step === 4,
      'projection at step 4',
    );
    expect(row).toMatchObject({
      status: 'in_progress',
      current_step: 4,
      student_unique_id: null,
      student_records_status: 'not_started',
    });
    expect(await studentRows(e.enrollmentId)).toBe(0);
  });
});

describe('student record creation that fails for a data reason', () => {
  it('does not block steps 5 and 6, and an operator retry with corrections creates the records as enrolled', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    await submitOk(stack, e, 4, { ...payloads[4], birthDate: '2099-01-01' });

    const failed = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'failed');
    expect(failed.status).toBe('in_progress');
    expect(failed.studentRecords.errorDetail).toMatch(/rejected: the birth date is after the school entry date$/);
    expect(failed.studentRecords.attempts).toBe(1);
    // The parent reads a sentence, without the operators' detail.
    const parentView = (await progress(stack, e)).studentRecords;
    expect(parentView).toMatchObject({
      status: 'failed',
      error:
        "The student's records could not be created: the birth date is after the school entry date. Our staff have been told and will correct it with you.",
      attempts: 1,
    });
    expect(parentView).not.toHaveProperty('errorDetail');
    expect(await studentRows(e.enrollmentId)).toBe(0);
    const failedRow = await waitForValue(
      () => projection(e.enrollmentId),
      (r) => r.student_records_status === 'failed',
      'projection of the failure',
    );
    expect(failedRow.student_records_error).toBe(failed.studentRecords.errorDetail);
    expect(failedRow.student_records_error).not.toContain('2099'); // no personal data in the operators' list

    // The parent goes on as if nothing happened.
    expect((await submitOk(stack, e, 5)).steps[4]!.status).toBe('completed');
    await submitOk(stack, e, 6);
    await confirmPayment(stack, e);
    const enrolled = await waitForProgress(stack, e, (p) => p.status === 'enrolled');
    expect(enrolled.steps.map((s) => s.status)).toEqual(Array(6).fill('completed'));
    expect(enrolled.studentRecords.status).toBe('failed');
    // Operators find it in the projection: enrolled, records failed with the reason.
    const enrolledRow = await waitForValue(
      () => projection(e.enrollmentId),
      (r) => r.status === 'enrolled',
      'projection of the enrollment',
    );
    expect(enrolledRow).toMatchObject({ student_records_status: 'failed', student_unique_id: null });
    expect(enrolledRow.student_records_error).toBe(failed.studentRecords.errorDetail);
    // Enrolled, but not finished: the records are still missing.
    expect((await handleOf(e).describe()).status.name).toBe('RUNNING');
    expect(await studentRows(e.enrollmentId)).toBe(0);

    await handleOf(e).signal(retryStudentRecordsSignal, {
      corrections: { birthDate: '2012-03-14' },
      actor: { role: 'ops', id: 'test-ops' },
    });
    const done = await result(e);
    expect(done.status).toBe('enrolled');
    expect(done.studentRecords).toMatchObject({ status: 'created', attempts: 2 });
    expect(done.studentRecords.error).toBeUndefined();

    const set = (await loadRecordSet(e.enrollmentId))!;
    expect(set.student.birth_date).toBe('2012-03-14');
    expect(set.studentUser.birth_date).toBe('2012-03-14');
    expect(set.extension).toMatchObject({
      enrollment_status: 'enrolled',
      deposit_paid: true,
      required_documents_complete: true,
      parent_consultation_completed: true,
      enrollment_completed_date: dateOf(done.steps[5]!.completedAt),
    });
    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
    expect(await projection(e.enrollmentId)).toMatchObject({
      status: 'enrolled',
      student_unique_id: set.student.student_unique_id,
      student_records_status: 'created',
      student_records_error: null,
    });
  });
});

describe('missing required student fields', () => {
  it('answers 400 naming each missing field and writes nothing', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    const before = await progress(stack, e);

    const res = await submitStep(stack, e, 4, { firstName: 'Sofia' });
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body.error).toBe('invalid_request');
    const missing = ['lastName', 'birthDate', 'sex', 'hispanicLatinoEthnicity', 'races'];
    expect(body.issues.map((i: { path: string }) => i.path).sort()).toEqual([...missing].sort());
    for (const field of missing) expect(body.message).toContain(field);

    expect(await progress(stack, e)).toEqual(before);
    expect(await studentRows(e.enrollmentId)).toBe(0);
  });
});

describe('rules', () => {
  it('rejects a step out of order with 409 naming the missing step, and changes nothing', async () => {
    const e = await startEnrollment(stack);
    await submitOk(stack, e, 1);
    await submitOk(stack, e, 2);
    const before = await progress(stack, e);

    const res = await submitStep(stack, e, 4);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json()).toMatchObject({ error: 'step_out_of_order', message: expect.stringContaining('step 3') });
    expect(res.json().message).toContain('consultation');

    expect(await handleOf(e).query<EnrollmentProgress>('progress')).toEqual(before);
    expect(await studentRows(e.enrollmentId)).toBe(0);
  });

  it('accepts step 2 again with other data after step 3', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    const before = await progress(stack, e);
    const corrected = await submitOk(stack, e, 2, { ...payloads[2], sportInterests: ['volleyball'] });
    expect(corrected.currentStep).toBe(4);
    expect(corrected.steps[1]).toEqual(before.steps[1]);
    expect(corrected.steps[2]).toEqual(before.steps[2]);
  });

  it('updates the record set when step 4 is corrected after the records exist, keeping one row per table', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    await submitOk(stack, e, 4);
    const created = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    const original = (await loadRecordSet(e.enrollmentId))!;
    expect(original.student.first_name).toBe('Sofia');

    const answer = await submitOk(stack, e, 4, { ...payloads[4], firstName: 'Sophia' });
    expect(answer.steps[3]!.completedAt).toBe(created.steps[3]!.completedAt);
    const student = await waitForValue(
      () =>
        stack.db
          .selectFrom('students')
          .selectAll()
          .where('enrollment_id', '=', e.enrollmentId)
          .executeTakeFirstOrThrow(),
      (s) => s.first_name === 'Sophia',
      'corrected student',
    );
    expect(student.student_unique_id).toBe(original.student.student_unique_id);
    expect(student.student_usi).toBe(original.student.student_usi);

    const corrected = (await loadRecordSet(e.enrollmentId))!;
    expect(corrected.studentUser).toMatchObject({
      given_name: 'Sophia',
      username: `sophia.lopez.${original.student.student_usi}`,
    });
    expect(corrected.ssa.entry_date).toBe(original.ssa.entry_date);
    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
  });

  it("moves the student's guardian link when step 1 is corrected to another e-mail after the records exist", async () => {
    const e = await startEnrollment(stack);
    const mistyped = guardianStep();
    const corrected = guardianStep();
    await submitOk(stack, e, 1, mistyped);
    await submitOk(stack, e, 2);
    await submitOk(stack, e, 3);
    await confirmConsultation(stack, e);
    await waitForProgress(stack, e, (p) => p.steps[2]!.status === 'completed');
    await submitOk(stack, e, 4);
    const { studentRecords } = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    const studentId = `student_${studentRecords.studentUniqueId}`;

    await submitOk(stack, e, 1, corrected);
    const student = await waitForValue(
      () => stack.db.selectFrom('users').selectAll().where('sourced_id', '=', studentId).executeTakeFirstOrThrow(),
      (u) => u.agents[0] === guardianSourcedId(e.enrollmentId, corrected.guardian.email),
      "student's guardian link",
    );
    expect(student.agents).toEqual([guardianSourcedId(e.enrollmentId, corrected.guardian.email)]);
    const guardians = await stack.db
      .selectFrom('users')
      .select(['email', 'agents'])
      .where('sourced_id', 'in', [
        guardianSourcedId(e.enrollmentId, mistyped.guardian.email),
        guardianSourcedId(e.enrollmentId, corrected.guardian.email),
      ])
      .orderBy('email')
      .execute();
    // The mistyped address no longer speaks for the child; the corrected one does.
    expect(guardians).toEqual(
      [
        { email: mistyped.guardian.email, agents: [] },
        { email: corrected.guardian.email, agents: [studentId] },
      ].sort((a, b) => a.email.localeCompare(b.email)),
    );
  });

  it("another family typing the same e-mail (in another case) changes nothing of the first family's guardian", async () => {
    const throughStudentStep = async (step1: unknown) => {
      const e = await startEnrollment(stack);
      await submitOk(stack, e, 1, step1);
      await submitOk(stack, e, 2);
      await submitOk(stack, e, 3);
      await confirmConsultation(stack, e);
      await waitForProgress(stack, e, (p) => p.steps[2]!.status === 'completed');
      await submitOk(stack, e, 4);
      await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
      return (await loadRecordSet(e.enrollmentId))!;
    };
    const first = await throughStudentStep(guardianStep());
    const other = await throughStudentStep({
      guardian: {
        firstName: 'Eve',
        lastName: 'Intruder',
        email: first.guardian.email!.toUpperCase(),
        phone: '+1 512-555-0199',
        relationship: 'other',
      },
      address: { line1: '1 Elsewhere Rd', city: 'Dallas', state: 'TX', postalCode: '75201' },
    });

    const guardianNow = await stack.db
      .selectFrom('users')
      .selectAll()
      .where('sourced_id', '=', first.guardian.sourced_id)
      .executeTakeFirstOrThrow();
    expect(guardianNow).toEqual(first.guardian);
    expect(guardianNow.agents).toEqual([first.studentUser.sourced_id]);
    // The other family's step 1 is a guardian of its own, linked to its own child only.
    expect(other.guardian.sourced_id).not.toBe(first.guardian.sourced_id);
    expect(other.guardian).toMatchObject({ given_name: 'Eve', agents: [other.studentUser.sourced_id] });
  });

  it('keeps one record set when the same step and the same signals arrive twice', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    const first = await submitOk(stack, e, 4);
    const second = await submitOk(stack, e, 4);
    expect(second.steps).toEqual(first.steps);
    expect(second.studentRecords.studentUniqueId).toBe(first.studentRecords.studentUniqueId);

    const handle = handleOf(e);
    for (const message of [
      stepMessage(4),
      stepMessage(4),
      stepMessage(5),
      stepMessage(5),
      stepMessage(6),
      stepMessage(6),
    ]) {
      await handle.signal(submitStepSignal, message);
    }
    const confirmation = { ...payloads[6], status: 'succeeded' as const };
    await Promise.all([
      handle.signal(paymentConfirmedSignal, confirmation),
      handle.signal(paymentConfirmedSignal, confirmation),
    ]);

    const done = await result(e);
    expect(done.status).toBe('enrolled');
    expect(done.studentRecords).toMatchObject({
      status: 'created',
      studentUniqueId: first.studentRecords.studentUniqueId,
    });
    expect(done.rejectedMessages).toEqual([]);
    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
    const set = (await loadRecordSet(e.enrollmentId))!;
    expect(set.extension).toMatchObject({ enrollment_status: 'enrolled', deposit_paid: true });
  });

  it('returns the same enrollment when an invitation is redeemed twice', async () => {
    const invitation = await createInvitation(stack);
    const first = await redeem(stack, invitation.invitationToken);
    const second = await redeem(stack, invitation.invitationToken);
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().enrollmentId).toBe(first.json().enrollmentId);
    const rows = await stack.db
      .selectFrom('enrollments')
      .select('enrollment_id')
      .where('invitation_id', '=', invitation.invitationId)
      .execute();
    expect(rows).toEqual([{ enrollment_id: first.json().enrollmentId }]);
    // The second token works on the same enrollment.
    const e: Enrollment = second.json();
    expect((await submitOk(stack, e, 1)).steps[0]!.status).toBe('completed');
  });

  it('answers 410 for an expired invitation and starts nothing', async () => {
    const invitation = await createInvitation(stack);
    await stack.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where('invitation_id', '=', invitation.invitationId)
      .execute();

    const res = await redeem(stack, invitation.invitationToken);
    expect(res.statusCode, res.body).toBe(410);
    expect(res.json().error).toBe('invitation_expired');
    const rows = await stack.db
      .selectFrom('enrollments')
      .select('enrollment_id')
      .where('invitation_id', '=', invitation.invitationId)
      .execute();
    expect(rows).toEqual([]);
    const stored = await stack.db
      .selectFrom('invitations')
      .select(['status', 'enrollment_id'])
      .where('invitation_id', '=', invitation.invitationId)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'pending', enrollment_id: null });
  });

  it('cancels before step 4 without writing student records', async () => {
    const e = await startEnrollment(stack);
    await submitOk(stack, e, 1);
    await submitOk(stack, e, 2);
    const res = await cancel(e);
    expect(res.statusCode, res.body).toBe(202);

    const done = await result(e);
    expect(done.status).toBe('cancelled');
    expect(done.studentRecords.status).toBe('not_started');
    expect(await studentRows(e.enrollmentId)).toBe(0);
    expect(await projection(e.enrollmentId)).toMatchObject({
      status: 'cancelled',
      student_records_status: 'not_started',
    });
    // A closed enrollment refuses further steps.
    const late = await submitStep(stack, e, 3);
    expect(late.statusCode, late.body).toBe(409);
  });

  it('withdraws the records when cancelled after step 4', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    await submitOk(stack, e, 4);
    await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    expect((await cancel(e, 'moving to another state')).statusCode).toBe(202);

    const done = await result(e);
    expect(done.status).toBe('cancelled');
    const cancelledOn = dateOf(done.updatedAt);
    const set = (await loadRecordSet(e.enrollmentId))!;
    expect(set.extension.enrollment_status).toBe('withdrawn');
    expect(set.extension.custom_data).toMatchObject({
      withdrawal: { date: cancelledOn, kind: 'cancelled', reason: 'moving to another state' },
    });
    expect(set.ssa).toMatchObject({
      exit_withdraw_date: cancelledOn,
      exit_withdraw_type_descriptor: 'uri://ed-fi.org/ExitWithdrawTypeDescriptor#Withdrawn',
    });
    expect(set.studentUser).toMatchObject({ status: 'tobedeleted', enabled_user: false });
    const exported = toEdFiStudentSchoolAssociation(set.ssa);
    expect(edFi.studentSchoolAssociation(exported), JSON.stringify(edFi.studentSchoolAssociation.errors)).toBe(true);
    expect(knownDescriptors).toContain(exported.exitWithdrawTypeDescriptor);
    expect(oneRoster.user(toOneRosterUser(set.studentUser)), JSON.stringify(oneRoster.user.errors)).toBe(true);
    expect(await countRecordSet(stack.db, e.enrollmentId)).toMatchObject({ students: 1, ssa: 1, studentUsers: 1 });
    expect(await projection(e.enrollmentId)).toMatchObject({ status: 'cancelled', student_records_status: 'created' });
  });

  it('records an invalid submitStep signal as rejected and changes nothing else', async () => {
    const e = await startEnrollment(stack);
    await submitOk(stack, e, 1);
    const before = await progress(stack, e);
    const handle = handleOf(e);

    await handle.signal(submitStepSignal, stepMessage(2, { ...payloads[2], gradeLevel: '13' }));
    await handle.signal(submitStepSignal, stepMessage(4));
    const after = await waitForProgress(stack, e, (p) => p.rejectedMessages.length === 2);

    expect(after.rejectedMessages).toEqual([
      expect.objectContaining({ message: 'submitStep', step: 2, reason: expect.stringContaining('gradeLevel') }),
      expect.objectContaining({ message: 'submitStep', step: 4, reason: expect.stringContaining('step 2') }),
    ]);
    const { rejectedMessages: _r, updatedAt: _u, ...rest } = after;
    const { rejectedMessages: _rb, updatedAt: _ub, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    // The enrollment goes on normally.
    expect((await submitOk(stack, e, 2)).currentStep).toBe(3);
  });
});

describe('inactivity with shortened durations', () => {
  let shortStack: TestStack;
  beforeAll(async () => {
    shortStack = await createTestStack({
      enrollmentTimings: { firstReminderAfterMs: 1000, secondReminderAfterMs: 2000, expireAfterMs: 4000 },
    });
  });
  afterAll(async () => shortStack?.close());

  it('queues two reminders, then expires', async () => {
    const invitation = await createInvitation(shortStack);
    const res = await redeem(shortStack, invitation.invitationToken);
    expect(res.statusCode, res.body).toBe(201);
    const e: Enrollment = res.json();

    const done = (await shortStack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    expect(done.status).toBe('expired');
    const reminders = await shortStack.db
      .selectFrom('notifications')
      .select(['kind', 'recipient', 'status'])
      .where('enrollment_id', '=', e.enrollmentId)
      .orderBy('id')
      .execute();
    const parentEmail = (
      await shortStack.db
        .selectFrom('invitations')
        .select('parent_email')
        .where('invitation_id', '=', invitation.invitationId)
        .executeTakeFirstOrThrow()
    ).parent_email;
    expect(reminders).toEqual([
      { kind: 'enrollment_reminder_1', recipient: parentEmail, status: 'pending' },
      { kind: 'enrollment_reminder_2', recipient: parentEmail, status: 'pending' },
    ]);
    expect(
      await shortStack.db
        .selectFrom('enrollments')
        .select('status')
        .where('enrollment_id', '=', e.enrollmentId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ status: 'expired' });
  });

  it('starts the clock again when the parent makes progress', async () => {
    const e = await startEnrollment(shortStack);
    // Past half the first reminder's delay, then an answer: the reminders and the expiry count from that answer.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const answeredFrom = Date.now();
    await submitOk(shortStack, e, 1);

    const done = (await shortStack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    const endedBy = Date.now();
    expect(done.status).toBe('expired');
    expect(endedBy - answeredFrom).toBeGreaterThanOrEqual(4000);
    const reminders = await shortStack.db
      .selectFrom('notifications')
      .select(['kind', 'created_at', 'payload'])
      .where('enrollment_id', '=', e.enrollmentId)
      .orderBy('id')
      .execute();
    // None for the quiet time before the answer, which was shorter than the first reminder's delay.
    expect(reminders.map((r) => [r.kind, (r.payload as { currentStep?: number }).currentStep])).toEqual([
      ['enrollment_reminder_1', 2],
      ['enrollment_reminder_2', 2],
    ]);
    expect(reminders[0]!.created_at.getTime() - answeredFrom).toBeGreaterThanOrEqual(1000);
    expect(reminders[1]!.created_at.getTime() - answeredFrom).toBeGreaterThanOrEqual(2000);
  });

  it('after a reminder, an answer brings the next reminder forward instead of waiting for the running timer', async () => {
    // Expiry far away, so the timer running after the second reminder fires long after the answer's first reminder.
    const longExpiry = await createTestStack({
      enrollmentTimings: { firstReminderAfterMs: 1000, secondReminderAfterMs: 2000, expireAfterMs: 20_000 },
    });
    try {
      const e = await startEnrollment(longExpiry);
      const reminders = () =>
        longExpiry.db
          .selectFrom('notifications')
          .select(['kind', 'created_at', 'payload'])
          .where('enrollment_id', '=', e.enrollmentId)
          .orderBy('id')
          .execute();
      await waitForValue(reminders, (rows) => rows.length === 2, 'the first two reminders', 10_000);
      const answeredFrom = Date.now();
      await submitOk(longExpiry, e, 1);
      const rows = await waitForValue(reminders, (r) => r.length === 3, 'a reminder after the answer', 10_000);
      const third = rows[2]!;
      expect(third.kind).toBe('enrollment_reminder_1');
      expect((third.payload as { currentStep?: number }).currentStep).toBe(2);
      const after = third.created_at.getTime() - answeredFrom;
      expect(after).toBeGreaterThanOrEqual(1000);
      expect(after).toBeLessThan(5000);
    } finally {
      await longExpiry.close();
    }
  });

  it('withdraws the records of an enrollment that expires after step 4', async () => {
    const e = await startEnrollment(shortStack);
    await throughConsultation(shortStack, e);
    await submitOk(shortStack, e, 4);

    const done = (await shortStack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    expect(done.status).toBe('expired');
    expect(done.studentRecords.status).toBe('created');
    const uid = done.studentRecords.studentUniqueId!;
    const [extension, ssa, user] = await Promise.all([
      shortStack.db
        .selectFrom('tsa_student_extensions')
        .selectAll()
        .where('student_unique_id', '=', uid)
        .executeTakeFirstOrThrow(),
      shortStack.db
        .selectFrom('student_school_associations')
        .selectAll()
        .where('student_unique_id', '=', uid)
        .executeTakeFirstOrThrow(),
      shortStack.db
        .selectFrom('users')
        .selectAll()
        .where('sourced_id', '=', `student_${uid}`)
        .executeTakeFirstOrThrow(),
    ]);
    expect(extension.enrollment_status).toBe('withdrawn');
    expect(ssa).toMatchObject({
      exit_withdraw_date: dateOf(done.updatedAt),
      exit_withdraw_type_descriptor: 'uri://ed-fi.org/ExitWithdrawTypeDescriptor#No show',
    });
    expect(user).toMatchObject({ status: 'tobedeleted', enabled_user: false });
  });
});
