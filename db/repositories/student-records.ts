import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  cedsGrade,
  entryTypeDescriptor,
  exitWithdrawTypeDescriptor,
  gradeLevelDescriptor,
  oneRosterUsername,
  raceDescriptor,
  schoolYearFor,
  sexDescriptor,
  SOURCE_SYSTEM_DESCRIPTOR,
} from '../../standards';
import type { StudentRecordSetInput } from '../../domain/enrollment';
import type { Database } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

/** A record set that cannot be written as given: retrying the same data will not help. */
export class StudentRecordsInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudentRecordsInvalidError';
  }
}

export interface WrittenRecordSet {
  studentUniqueId: string;
  studentUsi: number;
  studentSourcedId: string;
  guardianSourcedId: string;
}

/**
 * The guardian user of one enrollment. Step 1 is unverified input, so the e-mail it gives proves nothing: keying the
 * user on the e-mail alone would let any family that types someone else's address rewrite that person's user and
 * add a child to their agents. Each enrollment's guardian is its own user, keyed on the enrollment and the address
 * (a step 1 corrected to another address is another user). A parent with two children is two guardian users, one
 * per enrollment, until a verified e-mail lets them be merged.
 */
export function guardianSourcedId(enrollmentId: string, email: string): string {
  const key = `${enrollmentId}\n${email.trim().toLowerCase()}`;
  return `guardian_${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/** The student the database holds for an enrollment, if any. */
export async function findStudentUniqueId(db: Db, enrollmentId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('students')
    .select('student_unique_id')
    .where('enrollment_id', '=', enrollmentId)
    .executeTakeFirst();
  return row?.student_unique_id;
}

const guardianRole = (relationship: string): 'parent' | 'guardian' =>
  relationship === 'mother' || relationship === 'father' ? 'parent' : 'guardian';

/**
 * Writes (or rewrites) the whole student record set for one enrollment. Every row is keyed so that writing the
 * same set again — a retry, a replay, a duplicate message, a correction — leaves exactly one of each.
 * The caller runs it in one transaction.
 */
export async function writeStudentRecordSet(db: Db, input: StudentRecordSetInput): Promise<WrittenRecordSet> {
  const { student, program, guardian } = input;
  if (student.birthDate > input.entryDate) {
    throw new StudentRecordsInvalidError('the birth date is after the school entry date');
  }
  const school = await db
    .selectFrom('schools')
    .select(['school_id', 'org_sourced_id'])
    .where('school_id', '=', input.schoolId)
    .executeTakeFirst();
  if (!school) throw new StudentRecordsInvalidError(`school ${input.schoolId} does not exist`);

  const races = student.races.map(raceDescriptor);
  const sex = sexDescriptor(student.sex);
  const withdrawn = input.withdrawal !== null;
  const nowTs = new Date();

  const { student_usi: studentUsi, student_unique_id: studentUniqueId } = await db
    .insertInto('students')
    .values({
      student_unique_id: input.studentUniqueId,
      enrollment_id: input.enrollmentId,
      first_name: student.firstName,
      middle_name: student.middleName ?? null,
      last_name: student.lastName,
      birth_date: student.birthDate,
      birth_sex_descriptor: sex,
      hispanic_latino_ethnicity: student.hispanicLatinoEthnicity,
      races: JSON.stringify(races),
      source_system_descriptor: SOURCE_SYSTEM_DESCRIPTOR,
    })
    .onConflict((oc) =>
      oc.column('enrollment_id').doUpdateSet((eb) => ({
        first_name: eb.ref('excluded.first_name'),
        middle_name: eb.ref('excluded.middle_name'),
        last_name: eb.ref('excluded.last_name'),
        birth_date: eb.ref('excluded.birth_date'),
        birth_sex_descriptor: eb.ref('excluded.birth_sex_descriptor'),
        hispanic_latino_ethnicity: eb.ref('excluded.hispanic_latino_ethnicity'),
        races: eb.ref('excluded.races'),
        updated_at: nowTs,
      })),
    )
    .returning(['student_usi', 'student_unique_id'])
    .executeTakeFirstOrThrow();

  await db
    .insertInto('student_education_organization_associations')
    .values({
      student_unique_id: studentUniqueId,
      education_organization_id: input.schoolId,
      sex_descriptor: sex,
      races: JSON.stringify(races),
      hispanic_latino_ethnicity: student.hispanicLatinoEthnicity,
    })
    .onConflict((oc) =>
      oc.columns(['student_unique_id', 'education_organization_id']).doUpdateSet((eb) => ({
        sex_descriptor: eb.ref('excluded.sex_descriptor'),
        races: eb.ref('excluded.races'),
        hispanic_latino_ethnicity: eb.ref('excluded.hispanic_latino_ethnicity'),
        updated_at: nowTs,
      })),
    )
    .execute();

  await db
    .insertInto('student_school_associations')
    .values({
      student_unique_id: studentUniqueId,
      school_id: input.schoolId,
      entry_date: input.entryDate,
      entry_grade_level_descriptor: gradeLevelDescriptor(program.gradeLevel),
      entry_type_descriptor: entryTypeDescriptor(program.previousSchool),
      school_year: schoolYearFor(program.expectedStartDate),
      primary_school: true,
      exit_withdraw_date: input.withdrawal?.date ?? null,
      exit_withdraw_type_descriptor: input.withdrawal ? exitWithdrawTypeDescriptor(input.withdrawal.kind) : null,
    })
    .onConflict((oc) =>
      oc.columns(['student_unique_id', 'school_id']).doUpdateSet((eb) => ({
        entry_grade_level_descriptor: eb.ref('excluded.entry_grade_level_descriptor'),
        entry_type_descriptor: eb.ref('excluded.entry_type_descriptor'),
        school_year: eb.ref('excluded.school_year'),
        exit_withdraw_date: eb.ref('excluded.exit_withdraw_date'),
        exit_withdraw_type_descriptor: eb.ref('excluded.exit_withdraw_type_descriptor'),
        updated_at: nowTs,
      })),
    )
    .execute();

  const extension = {
    student_unique_id: studentUniqueId,
    sport_interests: JSON.stringify(program.sportInterests),
    enrollment_status: input.enrollmentStatus,
    assigned_program_track: program.sportInterests[0] ?? null,
    grade_level_at_enrollment: program.gradeLevel,
    expected_start_date: program.expectedStartDate,
    referring_coach_id: input.coachId,
    invitation_id: input.invitationId,
    parent_consultation_completed: input.consultationCompleted,
    required_documents_complete: input.documentsComplete,
    deposit_paid: input.depositPaid,
    enrollment_completed_date: input.enrollmentCompletedDate,
    custom_data: JSON.stringify({
      enrollmentId: input.enrollmentId,
      previousSchool: program.previousSchool ?? null,
      recordSetVersion: input.version,
      ...(input.withdrawal ? { withdrawal: input.withdrawal } : {}),
    }),
  };
  await db
    .insertInto('tsa_student_extensions')
    .values(extension)
    .onConflict((oc) =>
      oc.column('student_unique_id').doUpdateSet((eb) => ({
        sport_interests: eb.ref('excluded.sport_interests'),
        enrollment_status: eb.ref('excluded.enrollment_status'),
        assigned_program_track: eb.ref('excluded.assigned_program_track'),
        grade_level_at_enrollment: eb.ref('excluded.grade_level_at_enrollment'),
        expected_start_date: eb.ref('excluded.expected_start_date'),
        parent_consultation_completed: eb.ref('excluded.parent_consultation_completed'),
        required_documents_complete: eb.ref('excluded.required_documents_complete'),
        deposit_paid: eb.ref('excluded.deposit_paid'),
        enrollment_completed_date: eb.ref('excluded.enrollment_completed_date'),
        custom_data: eb.ref('excluded.custom_data'),
        updated_at: nowTs,
      })),
    )
    .execute();

  const studentSourcedId = `student_${studentUniqueId}`;
  const parentSourcedId = guardianSourcedId(input.enrollmentId, guardian.guardian.email);
  const status = withdrawn ? 'tobedeleted' : 'active';
  const metadata = {
    enrollmentId: input.enrollmentId,
    invitationId: input.invitationId,
    source: 'TSA_Admissions_Portal',
  };

  // A step 1 corrected to another e-mail is another guardian user: the one it replaces no longer speaks for the child.
  const previous = await db
    .selectFrom('users')
    .select('agents')
    .where('sourced_id', '=', studentSourcedId)
    .executeTakeFirst();
  const replacedGuardians = (previous?.agents ?? []).filter((id) => id !== parentSourcedId);
  if (replacedGuardians.length > 0) {
    await db
      .updateTable('users')
      .set({ agents: sql`users.agents - ${studentSourcedId}::text`, date_last_modified: nowTs })
      .where('sourced_id', 'in', replacedGuardians)
      .execute();
  }

  await db
    .insertInto('users')
    .values({
      sourced_id: parentSourcedId,
      status: 'active',
      enabled_user: true,
      username: null,
      given_name: guardian.guardian.firstName,
      family_name: guardian.guardian.lastName,
      role: guardianRole(guardian.guardian.relationship),
      identifier: null,
      email: guardian.guardian.email.toLowerCase(),
      phone: guardian.guardian.phone,
      org_ids: JSON.stringify([school.org_sourced_id]),
      agents: JSON.stringify([studentSourcedId]),
      model_metadata: JSON.stringify({ relationship: guardian.guardian.relationship, address: guardian.address }),
      date_last_modified: nowTs,
    })
    .onConflict((oc) =>
      oc.column('sourced_id').doUpdateSet((eb) => ({
        given_name: eb.ref('excluded.given_name'),
        family_name: eb.ref('excluded.family_name'),
        role: eb.ref('excluded.role'),
        phone: eb.ref('excluded.phone'),
        model_metadata: eb.ref('excluded.model_metadata'),
        // The enrollment's own guardian: its one student and school.
        agents: eb.ref('excluded.agents'),
        org_ids: eb.ref('excluded.org_ids'),
        date_last_modified: nowTs,
      })),
    )
    .execute();

  await db
    .insertInto('users')
    .values({
      sourced_id: studentSourcedId,
      status,
      enabled_user: !withdrawn,
      username: oneRosterUsername(student.firstName, student.lastName, studentUsi),
      given_name: student.firstName,
      middle_name: student.middleName ?? null,
      family_name: student.lastName,
      role: 'student',
      identifier: studentUniqueId,
      email: null,
      birth_date: student.birthDate,
      org_ids: JSON.stringify([school.org_sourced_id]),
      grades: JSON.stringify([cedsGrade(program.gradeLevel)]),
      agents: JSON.stringify([parentSourcedId]),
      model_metadata: JSON.stringify(metadata),
      date_last_modified: nowTs,
    })
    .onConflict((oc) =>
      oc.column('sourced_id').doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        enabled_user: eb.ref('excluded.enabled_user'),
        username: eb.ref('excluded.username'),
        given_name: eb.ref('excluded.given_name'),
        middle_name: eb.ref('excluded.middle_name'),
        family_name: eb.ref('excluded.family_name'),
        birth_date: eb.ref('excluded.birth_date'),
        grades: eb.ref('excluded.grades'),
        agents: eb.ref('excluded.agents'),
        model_metadata: eb.ref('excluded.model_metadata'),
        date_last_modified: nowTs,
      })),
    )
    .execute();

  return { studentUniqueId, studentUsi: Number(studentUsi), studentSourcedId, guardianSourcedId: parentSourcedId };
}

/** Row counts of one enrollment's record set: what tests and operators check for "exactly one". */
export async function countRecordSet(db: Db, enrollmentId: string) {
  const student = await db
    .selectFrom('students')
    .select('student_unique_id')
    .where('enrollment_id', '=', enrollmentId)
    .execute();
  const ids = student.map((s) => s.student_unique_id);
  if (ids.length === 0) return { students: 0, seoa: 0, ssa: 0, extensions: 0, studentUsers: 0 };
  const count = async (
    table: 'student_education_organization_associations' | 'student_school_associations' | 'tsa_student_extensions',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('student_unique_id', 'in', ids)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const studentUsers = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where(
      'sourced_id',
      'in',
      ids.map((id) => `student_${id}`),
    )
    .executeTakeFirstOrThrow();
  return {
    students: ids.length,
    seoa: await count('student_education_organization_associations'),
    ssa: await count('student_school_associations'),
    extensions: await count('tsa_student_extensions'),
    studentUsers: Number(studentUsers.n),
  };
}
