/**
 * Ed-Fi Data Standard 5.2 and OneRoster 1.2 vocabulary, and the builders that turn stored rows into the standards'
 * JSON. Pure: no I/O, no clock. Every descriptor value below is a DS 5.2 code value in its exact case; the tests check
 * each one against the standard's descriptor files (test/fixtures/standards).
 */
import type { GradeLevelCode, Race, Sex } from '../domain/enrollment';

const descriptor = (name: string, codeValue: string): string => `uri://ed-fi.org/${name}#${codeValue}`;

/** The student records' origin: a TSA-defined SourceSystemDescriptor (Ed-Fi lets each system define its own). */
export const SOURCE_SYSTEM_DESCRIPTOR = 'uri://tsa.academy/SourceSystemDescriptor#TSA_Admissions_Portal';

const GRADE_LEVEL_CODE_VALUES: Record<GradeLevelCode, string> = {
  PK: 'Prekindergarten',
  KG: 'Kindergarten',
  '01': 'First grade',
  '02': 'Second grade',
  '03': 'Third grade',
  '04': 'Fourth grade',
  '05': 'Fifth grade',
  '06': 'Sixth grade',
  '07': 'Seventh grade',
  '08': 'Eighth grade',
  '09': 'Ninth grade',
  '10': 'Tenth grade',
  '11': 'Eleventh grade',
  '12': 'Twelfth grade',
};

export function gradeLevelDescriptor(code: GradeLevelCode): string {
  return descriptor('GradeLevelDescriptor', GRADE_LEVEL_CODE_VALUES[code]);
}

/** The enrollment form's sex values are the DS 5.2 SexDescriptor code values themselves. */
export function sexDescriptor(sex: Sex): string {
  return descriptor('SexDescriptor', sex);
}

/** The enrollment form's race values are the DS 5.2 RaceDescriptor code values themselves. */
export function raceDescriptor(race: Race): string {
  return descriptor('RaceDescriptor', race);
}

/** A student who names a previous school transfers in; anyone else enters the education system for the first time. */
export function entryTypeDescriptor(previousSchool?: string): string {
  const transfer = previousSchool !== undefined && previousSchool.trim() !== '';
  return descriptor('EntryTypeDescriptor', transfer ? 'Transfer' : 'New to education system');
}

/**
 * Why a registered student leaves before the enrollment finished. DS 5.2 has no "cancelled" or "expired"; the
 * closest ExitWithdrawTypeDescriptor values are:
 * - cancelled → `Withdrawn`: the family chose to withdraw (it cancelled), which is what that value records;
 *   `Involuntarily Removed` and `Expelled` would wrongly say the school removed the student.
 * - expired → `No show`: the family stopped answering and the student never came to school; `Dropout` implies
 *   attendance that ended, `Invalid enrollment` a record made in error, and `Other` says nothing.
 */
export function exitWithdrawTypeDescriptor(kind: 'cancelled' | 'expired'): string {
  return descriptor('ExitWithdrawTypeDescriptor', kind === 'cancelled' ? 'Withdrawn' : 'No show');
}

/** CEDS grade-level code, the vocabulary of OneRoster `grades`; the enrollment form already uses these codes. */
export type CedsGradeCode = GradeLevelCode;

export function cedsGrade(code: GradeLevelCode): CedsGradeCode {
  return code;
}

const DATE_PARTS = /^(\d{4})-(\d{2})-(\d{2})$/;

function dateParts(date: string): { year: number; month: number; compact: string } {
  const match = DATE_PARTS.exec(date);
  if (!match) throw new RangeError(`Expected a date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const [, year = '', month = '', day = ''] = match;
  return { year: Number(year), month: Number(month), compact: `${year}${month}${day}` };
}

/**
 * The school year a date falls in, named by the calendar year in which it ends (Ed-Fi `schoolYear`; 2026–27 → 2027).
 * TSA school years start on 1 July, the usual US fiscal and state-reporting boundary: 2026-06-30 belongs to 2026,
 * 2026-07-01 and 2027-03-01 to 2027.
 */
export function schoolYearFor(date: string): number {
  const { year, month } = dateParts(date);
  return month >= 7 ? year + 1 : year;
}

const STUDENT_UNIQUE_ID = /^TSA-STU-\d{8}-[A-Z0-9]{6}$/;

/** `TSA-STU-{YYYYMMDD}-{6 chars A-Z0-9}`: the date is the day of the enrollment, the suffix its random part. */
export function studentUniqueIdFor(date: string, suffix: string): string {
  const { compact } = dateParts(date);
  if (!/^[A-Z0-9]{6}$/.test(suffix)) {
    throw new RangeError(`A student unique id suffix is 6 characters A-Z0-9, got ${JSON.stringify(suffix)}`);
  }
  return `TSA-STU-${compact}-${suffix}`;
}

export function isStudentUniqueId(value: string): boolean {
  return STUDENT_UNIQUE_ID.test(value);
}

/** Letters NFKD does not split into a base letter and a mark. */
const TRANSLITERATIONS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

function usernamePart(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđðþı]/g, (letter) => TRANSLITERATIONS[letter] ?? '')
    .replace(/[^a-z0-9-]/g, '');
}

/**
 * `firstname.lastname.usi` in lowercase ASCII: accents are dropped and anything but a-z, 0-9 and '-' removed
 * ('María José', 'De La Cruz', 42 → 'mariajose.delacruz.42'). The USI keeps it unique; a name with nothing left
 * after normalisation (e.g. written in another script) is left out rather than leaving an empty segment.
 */
export function oneRosterUsername(givenName: string, familyName: string, usi: number | bigint | string): string {
  return [usernamePart(givenName), usernamePart(familyName), String(usi)].filter((part) => part !== '').join('.');
}

// ---------------------------------------------------------------------------------------------------------------
// Rows as stored (column names of db/schema.ts) and the standards' JSON built from them
// ---------------------------------------------------------------------------------------------------------------

export interface StudentRow {
  student_usi: number;
  student_unique_id: string;
  first_name: string;
  middle_name: string | null;
  last_name: string;
  birth_date: string;
  birth_sex_descriptor: string;
  hispanic_latino_ethnicity: boolean;
  /** RaceDescriptor URIs. DS 5.2 keeps races on the education-organization association, not on Student. */
  races: readonly string[];
  source_system_descriptor: string;
}

export interface StudentSchoolAssociationRow {
  student_unique_id: string;
  school_id: number;
  entry_date: string;
  entry_grade_level_descriptor: string;
  entry_type_descriptor: string;
  school_year: number;
  primary_school: boolean;
  exit_withdraw_date: string | null;
  exit_withdraw_type_descriptor: string | null;
}

export interface StudentEducationOrganizationAssociationRow {
  student_unique_id: string;
  education_organization_id: number;
  sex_descriptor: string;
  /** RaceDescriptor URIs. */
  races: readonly string[];
  hispanic_latino_ethnicity: boolean;
}

export interface OneRosterUserRow {
  sourced_id: string;
  status: 'active' | 'tobedeleted';
  date_last_modified: Date;
  enabled_user: boolean;
  username: string | null;
  given_name: string;
  family_name: string;
  middle_name: string | null;
  role: string;
  identifier: string | null;
  email: string | null;
  phone: string | null;
  birth_date: string | null;
  /** Sourced ids of the orgs the user belongs to. */
  org_ids: readonly string[];
  /** CEDS grade codes. */
  grades: readonly string[];
  /** Sourced ids of related users. */
  agents: readonly string[];
  model_metadata: Readonly<Record<string, unknown>>;
}

/** Ed-Fi DS 5.2 Student (jsonSchemaForInsert), the properties TSA fills. */
export interface EdFiStudent {
  studentUniqueId: string;
  firstName: string;
  middleName?: string;
  lastSurname: string;
  birthDate: string;
  birthSexDescriptor: string;
  personReference: { personId: string; sourceSystemDescriptor: string };
}

/** Ed-Fi DS 5.2 StudentSchoolAssociation (jsonSchemaForInsert), the properties TSA fills. */
export interface EdFiStudentSchoolAssociation {
  studentReference: { studentUniqueId: string };
  schoolReference: { schoolId: number };
  entryDate: string;
  entryGradeLevelDescriptor: string;
  entryTypeDescriptor: string;
  schoolYearTypeReference: { schoolYear: number };
  primarySchool: boolean;
  exitWithdrawDate?: string;
  exitWithdrawTypeDescriptor?: string;
}

/** Ed-Fi DS 5.2 StudentEducationOrganizationAssociation (jsonSchemaForInsert), the properties TSA fills. */
export interface EdFiStudentEducationOrganizationAssociation {
  studentReference: { studentUniqueId: string };
  educationOrganizationReference: { educationOrganizationId: number };
  sexDescriptor: string;
  hispanicLatinoEthnicity: boolean;
  races: { raceDescriptor: string }[];
}

/**
 * The student's `source_system_descriptor` has one place in DS 5.2 Student: the Person reference
 * (`personId` + `sourceSystemDescriptor`), the person as known to the system that produced the record. TSA's person
 * id is the student unique id. An Ed-Fi API checks references, so an exporter posts the Person first.
 * `student_usi` stays behind: in Ed-Fi the USI is the receiving database's own surrogate key.
 */
export function toEdFiStudent(row: StudentRow): EdFiStudent {
  return {
    studentUniqueId: row.student_unique_id,
    firstName: row.first_name,
    ...(row.middle_name === null ? {} : { middleName: row.middle_name }),
    lastSurname: row.last_name,
    birthDate: row.birth_date,
    birthSexDescriptor: row.birth_sex_descriptor,
    personReference: { personId: row.student_unique_id, sourceSystemDescriptor: row.source_system_descriptor },
  };
}

export function toEdFiStudentSchoolAssociation(row: StudentSchoolAssociationRow): EdFiStudentSchoolAssociation {
  return {
    studentReference: { studentUniqueId: row.student_unique_id },
    schoolReference: { schoolId: row.school_id },
    entryDate: row.entry_date,
    entryGradeLevelDescriptor: row.entry_grade_level_descriptor,
    entryTypeDescriptor: row.entry_type_descriptor,
    schoolYearTypeReference: { schoolYear: row.school_year },
    primarySchool: row.primary_school,
    ...(row.exit_withdraw_date === null ? {} : { exitWithdrawDate: row.exit_withdraw_date }),
    ...(row.exit_withdraw_type_descriptor === null
      ? {}
      : { exitWithdrawTypeDescriptor: row.exit_withdraw_type_descriptor }),
  };
}

export function toEdFiStudentEducationOrganizationAssociation(
  row: StudentEducationOrganizationAssociationRow,
): EdFiStudentEducationOrganizationAssociation {
  return {
    studentReference: { studentUniqueId: row.student_unique_id },
    educationOrganizationReference: { educationOrganizationId: row.education_organization_id },
    sexDescriptor: row.sex_descriptor,
    hispanicLatinoEthnicity: row.hispanic_latino_ethnicity,
    races: row.races.map((raceDescriptor) => ({ raceDescriptor })),
  };
}

/** A reference to another OneRoster object: its URL on the rostering service, its sourcedId and its kind. */
export interface OneRosterRef<T extends 'org' | 'user'> {
  href: string;
  sourcedId: string;
  type: T;
}

/** OneRoster 1.2 `UserDType`, the properties TSA fills. */
export interface OneRosterUser {
  sourcedId: string;
  status: 'active' | 'tobedeleted';
  dateLastModified: string;
  metadata: Record<string, unknown>;
  username?: string;
  enabledUser: 'true' | 'false';
  givenName: string;
  familyName: string;
  middleName?: string;
  roles: { roleType: 'primary' | 'secondary'; role: string; org: OneRosterRef<'org'> }[];
  identifier?: string;
  email?: string;
  phone?: string;
  agents: OneRosterRef<'user'>[];
  grades: string[];
}

export interface OneRosterExportOptions {
  /** Base URL of the OneRoster rostering service that `href`s point into. */
  baseUrl?: string;
}

const DEFAULT_ONEROSTER_BASE_URL = 'https://tsa.academy/ims/oneroster/rostering/v1p2';

/** OneRoster 1.1's single `administrator` became three roles in 1.2; a school's administrator is a site administrator. */
function oneRosterRole(role: string): string {
  return role === 'administrator' ? 'siteAdministrator' : role;
}

/**
 * OneRoster 1.2 user. One primary role per org (the standard allows exactly one primary role per org). UserDType has
 * no birth date (OneRoster keeps it in the privileged demographics service), so it travels in `metadata.birthDate`.
 * Throws for a user without an org: UserDType requires at least one role, and a role needs an org.
 */
export function toOneRosterUser(row: OneRosterUserRow, options: OneRosterExportOptions = {}): OneRosterUser {
  const baseUrl = (options.baseUrl ?? DEFAULT_ONEROSTER_BASE_URL).replace(/\/+$/, '');
  const orgIds = [...new Set(row.org_ids)];
  if (orgIds.length === 0)
    throw new Error(`OneRoster user ${row.sourced_id} belongs to no org; it needs a role in one`);
  return {
    sourcedId: row.sourced_id,
    status: row.status,
    dateLastModified: row.date_last_modified.toISOString(),
    metadata: { ...row.model_metadata, ...(row.birth_date === null ? {} : { birthDate: row.birth_date }) },
    ...(row.username === null ? {} : { username: row.username }),
    enabledUser: row.enabled_user ? 'true' : 'false',
    givenName: row.given_name,
    familyName: row.family_name,
    ...(row.middle_name === null ? {} : { middleName: row.middle_name }),
    roles: orgIds.map((orgId) => ({
      roleType: 'primary',
      role: oneRosterRole(row.role),
      org: { href: `${baseUrl}/orgs/${encodeURIComponent(orgId)}`, sourcedId: orgId, type: 'org' },
    })),
    ...(row.identifier === null ? {} : { identifier: row.identifier }),
    ...(row.email === null ? {} : { email: row.email }),
    ...(row.phone === null ? {} : { phone: row.phone }),
    agents: row.agents.map((userId) => ({
      href: `${baseUrl}/users/${encodeURIComponent(userId)}`,
      sourcedId: userId,
      type: 'user',
    })),
    grades: [...row.grades],
  };
}

/** OneRoster 1.2 `UserSetDType`: the `{ users: [...] }` body of `GET /users`. */
export function toOneRosterUserEnvelope(
  rows: readonly OneRosterUserRow[],
  options: OneRosterExportOptions = {},
): { users: OneRosterUser[] } {
  return { users: rows.map((row) => toOneRosterUser(row, options)) };
}
