import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRecordSet } from '../../db/repositories/student-records';
import type { EnrollmentProgress } from '../../workflows/messages';
import { waitForValue, ONE_RECORD_SET } from '../helpers/enrollment';
import { birthDateInDatabase, retryWhileWriteWaits } from '../helpers/late-retry';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

describe('a retry with corrections that arrives while an earlier write waits on the database', () => {
  it('is carried out, and the attempts that outlived their timeouts never overwrite it', async () => {
    const e = await retryWhileWriteWaits(stack);

    await waitForValue(
      () => birthDateInDatabase(stack, e.enrollmentId),
      (birthDate) => birthDate === '2012-03-15',
      'the second correction in students',
      20_000,
    );
    const done = (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    expect(done).toMatchObject({ status: 'enrolled', studentRecords: { status: 'created', attempts: 2 } });
    expect(await birthDateInDatabase(stack, e.enrollmentId)).toBe('2012-03-15');
    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
    expect(
      await stack.db
        .selectFrom('enrollments')
        .select(['status', 'student_records_status', 'student_unique_id', 'student_records_attempts'])
        .where('enrollment_id', '=', e.enrollmentId)
        .executeTakeFirstOrThrow(),
    ).toEqual({
      status: 'enrolled',
      student_records_status: 'created',
      student_unique_id: done.studentRecords.studentUniqueId,
      student_records_attempts: 2,
    });
  });
});
