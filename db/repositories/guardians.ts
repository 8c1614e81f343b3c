import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The one place the standards read side learns who a student's guardians are: each (student, guardian) pair, read
 * from the student user's `agents` and joined to the guardian's user row (role `parent` or `guardian`). Ed-Fi
 * contacts and student-contact associations are built from this; a change to how guardians are keyed or linked is
 * made here. `change_version` is the newer of the two rows, so a change to either is a change to the link.
 */
export function studentGuardianLinks(db: Db) {
  return (
    db
      .selectFrom('users as student')
      // The function's own column names: `value` (the agent's sourced id) and `ordinality` (its place in the list).
      .innerJoin(
        sql<{ value: string; ordinality: number }>`jsonb_array_elements_text(student.agents) with ordinality`.as(
          'link',
        ),
        (join) => join.onTrue(),
      )
      .innerJoin('users as guardian', 'guardian.sourced_id', 'link.value')
      .where('student.role', '=', 'student')
      .where('student.identifier', 'is not', null)
      .where('guardian.role', 'in', ['parent', 'guardian'])
      .select([
        sql<string>`student.identifier`.as('student_unique_id'),
        'student.row_seq as student_row_seq',
        'link.ordinality as link_ordinal',
        'guardian.sourced_id as guardian_sourced_id',
        sql<string>`tsa_contact_unique_id(guardian.sourced_id)`.as('contact_unique_id'),
        'guardian.model_metadata as guardian_metadata',
        sql<number>`greatest(student.change_version, guardian.change_version)`.as('change_version'),
        'student.status as student_status',
      ])
  );
}

/** Guardian users: Ed-Fi contacts. */
export function guardianUsers(db: Db) {
  return db
    .selectFrom('users')
    .where('role', 'in', ['parent', 'guardian'])
    .select([
      'sourced_id',
      'row_seq',
      sql<string>`tsa_contact_unique_id(sourced_id)`.as('contact_unique_id'),
      'given_name',
      'family_name',
      'middle_name',
      'email',
      'phone',
      'model_metadata',
      'change_version',
      'date_last_modified',
    ]);
}
