import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { EnrollmentRow, StudentRecordSetInput } from '../domain/enrollment';
import { lockEnrollmentRow, updateEnrollmentRow, upsertEnrollmentRow } from '../db/repositories/enrollments';
import { queueOutboxMessage, type OutboxMessage } from '../db/repositories/notifications';
import {
  findStudentUniqueId,
  StudentRecordsInvalidError,
  writeStudentRecordSet,
} from '../db/repositories/student-records';
import { FailureTypes } from '../workflows/messages';

export interface PersistEnrollmentInput {
  /** The student record set, when the state holds changes it must reflect. */
  recordSet?: StudentRecordSetInput;
  /** The `enrollments` row as it reads once this write succeeds; its version orders every write. */
  row: EnrollmentRow;
}

export interface PersistedEnrollment {
  /** False when the database already held this version or a newer one: nothing was written. */
  written: boolean;
  /** With a record set: the student the database holds for this enrollment (a reset run may have drawn another id). */
  studentUniqueId?: string;
  /** With a record set: the status it carries (a local activity's marker records the result, not the input). */
  enrollmentStatus?: StudentRecordSetInput['enrollmentStatus'];
}

/** Why a record set was refused: one sentence for the parent, the detail for operators and auditors. */
export interface RecordsRefusal {
  parentMessage: string;
  attempt: number;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the data, not the weather. */
type PgError = Error & { code: string; table?: string; column?: string; constraint?: string };

function isDataError(err: unknown): err is PgError {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

/**
 * What a refused write says to operators: PostgreSQL's own message and detail can quote the refused values (names,
 * birth dates), so only the error class and the table, column or constraint are kept.
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

const PARENT_MESSAGE_DATA_ERROR =
  "The student's details could not be saved as entered. Our staff have been told and will correct them with you.";

export function createEnrollmentActivities({ db }: { db: Kysely<Database> }) {
  return {
    /**
     * Writes the student record set (when given) and the `enrollments` row in one transaction. The row is locked first
     * (a row alone is one conditional statement) and a write carrying an older version than the stored one changes
     * nothing, so an attempt that outlived its
     * timeout can never overwrite what a newer one wrote. A data problem fails for good (the workflow waits for an
     * operator); anything else (the database being away) is thrown as is and retried.
     */
    async persistEnrollment({ recordSet, row }: PersistEnrollmentInput): Promise<PersistedEnrollment> {
      if (!recordSet) return { written: await upsertEnrollmentRow(db, row) };
      return db.transaction().execute(async (trx) => {
        const written = (await lockEnrollmentRow(trx, row)) < row.version;
        const studentUniqueId = written
          ? (await writeRecordSetOrRefuse(trx, recordSet)).studentUniqueId
          : ((await findStudentUniqueId(trx, row.enrollmentId)) ?? recordSet.studentUniqueId);
        if (written) await updateEnrollmentRow(trx, { ...row, studentUniqueId });
        return { written, studentUniqueId, enrollmentStatus: recordSet.enrollmentStatus };
      });
    },
    /** Queues a message in the notifications outbox; the dedupe key makes a retried call a no-op. */
    async queueNotification(message: OutboxMessage): Promise<void> {
      await queueOutboxMessage(db, message);
    },
  };
}

async function writeRecordSetOrRefuse(trx: Parameters<typeof writeStudentRecordSet>[0], input: StudentRecordSetInput) {
  try {
    return await writeStudentRecordSet(trx, input);
  } catch (err) {
    if (!(err instanceof StudentRecordsInvalidError) && !isDataError(err)) throw err;
    const refusal: RecordsRefusal = {
      parentMessage:
        err instanceof StudentRecordsInvalidError
          ? `The student's records could not be created: ${err.message}. Our staff have been told and will correct it with you.`
          : PARENT_MESSAGE_DATA_ERROR,
      attempt: Context.current().info.attempt,
    };
    throw ApplicationFailure.nonRetryable(
      `student record set for ${input.enrollmentId} rejected: ${err instanceof StudentRecordsInvalidError ? err.message : describeDataError(err)}`,
      FailureTypes.studentRecordsInvalid,
      refusal,
    );
  }
}
