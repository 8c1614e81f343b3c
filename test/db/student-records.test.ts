import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStudentRecordActivities } from '../../activities/student-records';
import { createDb, type Database } from '../../db';
import { findEnrollment, insertEnrollmentIfAbsent } from '../../db/repositories/enrollments';
import { insertInvitation } from '../../db/repositories/invitations';
import {
  countRecordSet,
  StudentRecordsInvalidError,
  writeStudentRecordSet,
} from '../../db/repositories/student-records';
import {
  applyConsultationCompleted,
  applySubmission,
  initialState,
  recordSetSnapshot,
  toProjection,
  validateSubmission,
} from '../../workflows/enrollment-state';
import { payloads } from '../helpers/payloads';

const NOW = '2026-09-01T10:00:00.000Z';

/** An enrollment through steps 1, 2 and 4, as the workflow holds it when it writes the record set. */
function enrolledThroughStep4(schoolId: number) {
  const tag = randomBytes(4).toString('hex').toUpperCase();
  const state = initialState(
    {
      enrollmentId: `TSA-ENROLL-20260901-${tag}`,
      invitationId: `INV-${tag}`,
      coachId: null,
      schoolId,
      parentEmail: `p-${tag}@example.com`,
    },
    NOW,
  );
  for (const step of [1, 2, 3, 4] as const) {
    applySubmission(state, validateSubmission(state, { step, data: payloads[step] }), NOW);
    if (step === 3) applyConsultationCompleted(state, { completed: true }, NOW);
  }
  state.records.studentUniqueId = `TSA-STU-20260901-${tag}`;
  return state;
}

describe('writing the student record set', () => {
  let db: Kysely<Database>;
  beforeAll(() => {
    db = createDb(inject('databaseUrl'), { max: 2 });
  });
  afterAll(() => db.destroy());

  it('writes nothing for a school that does not exist, and says which school', async () => {
    const state = enrolledThroughStep4(987_654);
    const users = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();

    const write = db.transaction().execute((trx) => writeStudentRecordSet(trx, recordSetSnapshot(state)));

    await expect(write).rejects.toThrow(StudentRecordsInvalidError);
    await expect(write).rejects.toThrow('school 987654 does not exist');
    expect(await countRecordSet(db, state.enrollmentId)).toEqual({
      students: 0,
      seoa: 0,
      ssa: 0,
      extensions: 0,
      studentUsers: 0,
    });
    expect(await findEnrollment(db, state.enrollmentId)).toBeUndefined();
    const after = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(users.n);
  });

  it('writes the carried row with the student the database holds, and an older row never replaces a newer one', async () => {
    const state = enrolledThroughStep4(1);
    await insertInvitation(db, {
      invitationId: state.invitationId,
      tokenHash: `hash-${state.invitationId}`,
      coachId: null,
      parentEmail: `parent-${state.invitationId}@example.com`,
      schoolId: 1,
      sport: null,
      expiresAt: new Date(Date.parse(NOW) + 86_400_000),
    });
    await insertEnrollmentIfAbsent(db, state);
    const { syncStudentRecordSet } = createStudentRecordActivities({ db });
    const row = (version: number, currentStep: number) => ({
      ...toProjection(state),
      studentRecordsStatus: 'created' as const,
      currentStep,
      version,
    });
    const first = await syncStudentRecordSet({ ...recordSetSnapshot(state), projection: row(10, 5) });

    // A run reset to before step 4 draws another id; the database keeps the one it holds, and so does the row.
    const reset = { ...recordSetSnapshot(state), studentUniqueId: 'TSA-STU-20260901-OTHER1' };
    const again = await syncStudentRecordSet({ ...reset, projection: row(20, 6) });
    // A slower write of an older row, arriving last.
    const late = await syncStudentRecordSet({ ...reset, projection: row(15, 4) });

    expect(first.studentUniqueId).toBe(state.records.studentUniqueId);
    expect(first.studentSourcedId).toBe(`student_${state.records.studentUniqueId}`);
    expect(again).toEqual(first);
    expect(late).toEqual(first);
    expect(await countRecordSet(db, state.enrollmentId)).toEqual({
      students: 1,
      seoa: 1,
      ssa: 1,
      extensions: 1,
      studentUsers: 1,
    });
    expect(await findEnrollment(db, state.enrollmentId)).toMatchObject({
      student_unique_id: state.records.studentUniqueId,
      student_records_status: 'created',
      current_step: 6,
      projection_version: 20,
    });
    const user = await db
      .selectFrom('users')
      .select(['username', 'identifier'])
      .where('sourced_id', '=', first.studentSourcedId)
      .executeTakeFirstOrThrow();
    expect(user).toEqual({
      username: `${payloads[4].firstName.toLowerCase()}.${payloads[4].lastName.toLowerCase()}.${first.studentUsi}`,
      identifier: state.records.studentUniqueId,
    });
  });
});
