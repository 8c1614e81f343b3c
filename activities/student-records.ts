import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { upsertEnrollmentProjection, type EnrollmentProjection } from '../db/repositories/enrollments';
import { StudentRecordsInvalidError, writeStudentRecordSet } from '../db/repositories/student-records';
import { FailureTypes } from '../workflows/messages';
import type { StudentRecordSetInput } from '../workflows/enrollment-state';

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the data, not the weather. */
type PgError = Error & { code: string; table?: string; column?: string; constraint?: string };

/**
 * What a refused write says in the history and the operators' list: PostgreSQL's own message and detail can quote
 * the refused values (names, birth dates), so only the error class and the table, column or constraint are kept.
 */
function describeDataError(err: PgError): string {
  const where = [
    err.table && `table ${err.table}`,
    err.column && `column ${err.column}`,
    err.constraint && `constraint ${err.constraint}`,
  ]
    .filter(Boolean)
    .join(', ');
  const kind = err.code.startsWith('23') ? 'integrity constraint violated' : 'invalid data';
  return `${kind} (SQLSTATE ${err.code}${where ? `; ${where}` : ''})`;
}

function isDataError(err: unknown): err is PgError {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

export function createStudentRecordActivities({ db }: { db: Kysely<Database> }) {
  return {
    /**
     * Writes the enrollment's student record set in one transaction. A data problem fails for good (the
     * workflow waits for an operator); anything else — the database being away — is thrown as is and retried.
     * With `projection`, the `enrollments` row as it reads once this write succeeds is written in the same
     * transaction, so the workflow needs no second write for it.
     */
    async syncStudentRecordSet(input: StudentRecordSetInput & { projection?: EnrollmentProjection }) {
      try {
        const written = await db.transaction().execute(async (trx) => {
          const { projection, ...recordSet } = input;
          const result = await writeStudentRecordSet(trx, recordSet);
          if (projection) {
            // The row names the student the database holds (a reset run may have drawn another id). A failure of
            // this write says nothing about the student's data, so it is retried instead of refusing the set.
            await upsertEnrollmentProjection(trx, { ...projection, studentUniqueId: result.studentUniqueId }).catch(
              (err: unknown) => {
                throw new Error(`enrollments row not written: ${err instanceof Error ? err.message : String(err)}`);
              },
            );
          }
          return result;
        });
        // The status travels with the result too: a local activity's marker records the result, not the input.
        return { ...written, enrollmentStatus: input.enrollmentStatus };
      } catch (err) {
        if (err instanceof StudentRecordsInvalidError || isDataError(err)) {
          throw ApplicationFailure.nonRetryable(
            `student record set for ${input.enrollmentId} rejected: ${err instanceof StudentRecordsInvalidError ? err.message : describeDataError(err)}`,
            FailureTypes.studentRecordsInvalid,
            { attempt: Context.current().info.attempt },
          );
        }
        throw err;
      }
    },
  };
}
