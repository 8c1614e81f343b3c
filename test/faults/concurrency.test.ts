import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrollmentProgress } from '../../workflows/messages';
import {
  confirmConsultation,
  createInvitation,
  redeem,
  submitOk,
  waitForProgress,
  waitForValue,
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

const PARENTS = 100;
/** Every third parent also sends the student step twice at once (a double click, a retried request). */
const sendsStepFourTwice = (i: number) => i % 3 === 0;

/** One parent, start to student step, with the invitation redeemed twice at once. */
async function driveOneParent(i: number): Promise<{ enrollment: Enrollment; afterStep4: EnrollmentProgress[] }> {
  const { invitationToken } = await createInvitation(stack);
  const redemptions = await Promise.all([redeem(stack, invitationToken), redeem(stack, invitationToken)]);
  // One redemption starts the enrollment (201), the other gets that same enrollment back (200).
  expect(redemptions.map((r) => r.statusCode).sort()).toEqual([200, 201]);
  const [first, second] = redemptions.map((r) => r.json() as Enrollment);
  expect(second!.enrollmentId).toBe(first!.enrollmentId);
  const enrollment = first!;

  await submitOk(stack, enrollment, 1);
  await submitOk(stack, enrollment, 2);
  await submitOk(stack, enrollment, 3);
  await confirmConsultation(stack, enrollment);
  await waitForProgress(stack, enrollment, (p) => p.steps[2]!.status === 'completed', 60_000);
  const afterStep4 = await Promise.all(
    Array.from({ length: sendsStepFourTwice(i) ? 2 : 1 }, () => submitOk(stack, enrollment, 4)),
  );
  return { enrollment, afterStep4 };
}

describe('100 parents at once', () => {
  it('get distinct enrollments and students, with exactly one record set each', { timeout: 180_000 }, async () => {
    const driven = await Promise.all(Array.from({ length: PARENTS }, (_, i) => driveOneParent(i)));

    const enrollmentIds = driven.map((d) => d.enrollment.enrollmentId);
    expect(new Set(enrollmentIds).size).toBe(PARENTS);
    // A student step sent twice at once is one student: both answers name the same student unique id.
    for (const { afterStep4 } of driven) {
      const ids = new Set(afterStep4.map((p) => p.studentRecords.studentUniqueId));
      expect(ids.size).toBe(1);
      for (const p of afterStep4) expect(p.steps[3]!.status).toBe('completed');
    }

    const created = await Promise.all(
      driven.map(({ enrollment }) =>
        waitForProgress(stack, enrollment, (p) => p.studentRecords.status === 'created', 120_000),
      ),
    );
    const studentUniqueIds = created.map((p) => p.studentRecords.studentUniqueId!);
    expect(studentUniqueIds.every((id) => /^TSA-STU-\d{8}-[A-Z0-9]{6}$/.test(id))).toBe(true);
    expect(new Set(studentUniqueIds).size).toBe(PARENTS);
    created.forEach((p, i) =>
      expect(p.studentRecords.studentUniqueId).toBe(driven[i]!.afterStep4[0]!.studentRecords.studentUniqueId),
    );

    const students = await stack.db
      .selectFrom('students')
      .select(['enrollment_id', 'student_unique_id'])
      .where('enrollment_id', 'in', enrollmentIds)
      .execute();
    expect(students).toHaveLength(PARENTS);
    expect(new Map(students.map((s) => [s.enrollment_id, s.student_unique_id]))).toEqual(
      new Map(enrollmentIds.map((id, i) => [id, studentUniqueIds[i]])),
    );

    for (const table of [
      'student_education_organization_associations',
      'student_school_associations',
      'tsa_student_extensions',
    ] as const) {
      const rows = await stack.db
        .selectFrom(table)
        .select('student_unique_id')
        .where('student_unique_id', 'in', studentUniqueIds)
        .execute();
      expect(rows, table).toHaveLength(PARENTS);
      expect(new Set(rows.map((r) => r.student_unique_id)).size, table).toBe(PARENTS);
    }
    const studentUsers = await stack.db
      .selectFrom('users')
      .select('sourced_id')
      .where(
        'sourced_id',
        'in',
        studentUniqueIds.map((id) => `student_${id}`),
      )
      .execute();
    expect(studentUsers).toHaveLength(PARENTS);

    // The projection operators list from: one row per enrollment, agreeing with the workflows.
    const expected = new Map(enrollmentIds.map((id, i) => [id, [studentUniqueIds[i], 'created']]));
    const projected = (
      rows: { enrollment_id: string; student_unique_id: string | null; student_records_status: string }[],
    ) => new Map(rows.map((r) => [r.enrollment_id, [r.student_unique_id, r.student_records_status]]));
    const projection = await waitForValue(
      () =>
        stack.db
          .selectFrom('enrollments')
          .select(['enrollment_id', 'student_unique_id', 'student_records_status'])
          .where('enrollment_id', 'in', enrollmentIds)
          .execute(),
      (rows) => rows.length === PARENTS && isDeepStrictEqual(projected(rows), expected),
      'the enrollments projection',
      60_000,
    );
    expect(projected(projection)).toEqual(expected);
    const invitations = await stack.db
      .selectFrom('invitations')
      .select(['enrollment_id', 'status'])
      .where('enrollment_id', 'in', enrollmentIds)
      .execute();
    expect(invitations).toHaveLength(PARENTS);
    expect(invitations.every((inv) => inv.status === 'redeemed')).toBe(true);
  });
});
