import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEnrollmentActivities } from '../../activities/enrollments';
import { createDb, type Database } from '../../db';
import { findEnrollment, insertEnrollmentIfAbsent } from '../../db/repositories/enrollments';
import { insertInvitation } from '../../db/repositories/invitations';
import {
  countRecordSet,
  guardianSourcedId,
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
    const snapshot = recordSetSnapshot(state);
    // Other test files write users in parallel: only this record set's own users are counted.
    const ownUsers = () =>
      db
        .selectFrom('users')
        .select('sourced_id')
        .where('sourced_id', 'in', [
          `student_${snapshot.studentUniqueId}`,
          guardianSourcedId(state.enrollmentId, snapshot.guardian.guardian.email),
        ])
        .execute();

    const write = db.transaction().execute((trx) => writeStudentRecordSet(trx, snapshot));

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
    expect(await ownUsers()).toEqual([]);
  });

  it('writes the record set and the row together; a late write of an older version changes neither', async () => {
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
    const { persistEnrollment } = createEnrollmentActivities({ db });
    const persist = (input: Parameters<typeof persistEnrollment>[0]) =>
      new MockActivityEnvironment().run(persistEnrollment, input);
    const row = (version: number, currentStep: number) => ({
      ...toProjection(state),
      studentRecordsStatus: 'created' as const,
      currentStep,
      version,
    });
    const snapshot = recordSetSnapshot(state);
    const first = await persist({ recordSet: snapshot, row: row(10, 5) });

    // A run reset to before step 4 draws another id; the database keeps the one it holds, and so does the row.
    const corrected = {
      ...snapshot,
      studentUniqueId: 'TSA-STU-20260901-OTHER1',
      student: { ...snapshot.student, firstName: 'Sophia' },
    };
    const newer = await persist({ recordSet: corrected, row: row(20, 6) });
    // An attempt that outlived its timeout, carrying older data and an older version, lands last.
    const late = await persist({
      recordSet: { ...snapshot, student: { ...snapshot.student, firstName: 'Stale' } },
      row: row(15, 4),
    });

    expect(first).toMatchObject({ written: true, studentUniqueId: state.records.studentUniqueId });
    expect(newer).toMatchObject({ written: true, studentUniqueId: state.records.studentUniqueId });
    expect(late).toMatchObject({ written: false, studentUniqueId: state.records.studentUniqueId });
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
    const student = await db
      .selectFrom('students')
      .select(['student_usi', 'first_name'])
      .where('enrollment_id', '=', state.enrollmentId)
      .executeTakeFirstOrThrow();
    expect(student.first_name).toBe('Sophia');
    const user = await db
      .selectFrom('users')
      .select(['username', 'identifier', 'given_name'])
      .where('sourced_id', '=', `student_${state.records.studentUniqueId}`)
      .executeTakeFirstOrThrow();
    expect(user).toEqual({
      username: `sophia.${payloads[4].lastName.toLowerCase()}.${student.student_usi}`,
      identifier: state.records.studentUniqueId,
      given_name: 'Sophia',
    });
  });
});
