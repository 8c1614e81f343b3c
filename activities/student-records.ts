import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { StudentRecordsInvalidError, writeStudentRecordSet } from '../db/repositories/student-records';
import { FailureTypes } from '../workflows/messages';
import type { StudentRecordSetInput } from '../workflows/enrollment-state';

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the data, not the weather. */
function isDataError(err: unknown): err is Error & { code: string; detail?: string } {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

export function createStudentRecordActivities({ db }: { db: Kysely<Database> }) {
  return {
    /**
     * Writes the enrollment's student record set in one transaction. A data problem fails for good (the
     * workflow waits for an operator); anything else — the database being away — is thrown as is and retried.
     */
    async syncStudentRecordSet(input: StudentRecordSetInput) {
      try {
        return await db.transaction().execute((trx) => writeStudentRecordSet(trx, input));
      } catch (err) {
        if (err instanceof StudentRecordsInvalidError || isDataError(err)) {
          const detail = isDataError(err) && err.detail ? ` (${err.detail})` : '';
          throw ApplicationFailure.nonRetryable(
            `student record set for ${input.enrollmentId} rejected: ${err.message}${detail}`,
            FailureTypes.studentRecordsInvalid,
            { attempt: Context.current().info.attempt },
          );
        }
        throw err;
      }
    },
  };
}
