/**
 * OneRoster 1.2 CSV binding: the files TSA exchanges, their column lists in the binding's order, and one row of each
 * built from stored rows. Pure. In a bulk file `status` and `dateLastModified` stay empty (the binding: the file
 * replaces everything, so nothing is marked); in a delta file they say what changed and when.
 */
import {
  toOneRosterDemographics,
  toOneRosterAcademicSession,
  type OneRosterAcademicSessionRow,
  type OneRosterDemographicsRow,
} from './mapping';

export type ExchangeType = 'bulk' | 'delta';

export const CSV_COLUMNS = {
  orgs: ['sourcedId', 'status', 'dateLastModified', 'name', 'type', 'identifier', 'parentSourcedId'],
  users: [
    'sourcedId',
    'status',
    'dateLastModified',
    'enabledUser',
    'username',
    'userIds',
    'givenName',
    'familyName',
    'middleName',
    'identifier',
    'email',
    'sms',
    'phone',
    'agentSourcedIds',
    'grades',
    'password',
    'userMasterIdentifier',
    'resourceSourcedIds',
    'preferredGivenName',
    'preferredMiddleName',
    'preferredFamilyName',
    'primaryOrgSourcedId',
    'pronouns',
  ],
  roles: [
    'sourcedId',
    'status',
    'dateLastModified',
    'userSourcedId',
    'roleType',
    'role',
    'beginDate',
    'endDate',
    'orgSourcedId',
    'userProfileSourcedId',
  ],
  demographics: [
    'sourcedId',
    'status',
    'dateLastModified',
    'birthDate',
    'sex',
    'americanIndianOrAlaskaNative',
    'asian',
    'blackOrAfricanAmerican',
    'nativeHawaiianOrOtherPacificIslander',
    'white',
    'demographicRaceTwoOrMoreRaces',
    'hispanicOrLatinoEthnicity',
    'countryOfBirthCode',
    'stateOfBirthAbbreviation',
    'cityOfBirth',
    'publicSchoolResidenceStatus',
  ],
  academicSessions: [
    'sourcedId',
    'status',
    'dateLastModified',
    'title',
    'type',
    'startDate',
    'endDate',
    'parentSourcedId',
    'schoolYear',
  ],
} as const;

export type CsvFile = keyof typeof CSV_COLUMNS;
export const CSV_FILES = Object.keys(CSV_COLUMNS) as CsvFile[];

/** Every file of the 1.2 CSV binding; TSA supplies the five above and marks the rest absent. */
const MANIFEST_FILES = [
  'academicSessions',
  'categories',
  'classes',
  'classResources',
  'courses',
  'courseResources',
  'demographics',
  'enrollments',
  'lineItemLearningObjectiveIds',
  'lineItems',
  'lineItemScoreScales',
  'orgs',
  'resources',
  'resultLearningObjectiveIds',
  'results',
  'resultScoreScales',
  'roles',
  'scoreScales',
  'userProfiles',
  'userResources',
  'users',
];

/** The manifest of a zip holding `files` (every CSV file this product writes unless fewer are given). */
export function manifestRows(
  type: ExchangeType,
  systemName: string,
  files: readonly CsvFile[] = CSV_FILES,
): string[][] {
  return [
    ['propertyName', 'value'],
    ['manifest.version', '1.0'],
    ['oneroster.version', '1.2'],
    ...MANIFEST_FILES.map((file) => [`file.${file}`, (files as readonly string[]).includes(file) ? type : 'absent']),
    ['source.systemName', systemName],
    ['source.systemCode', ''],
  ];
}

interface Stamped {
  status: 'active' | 'tobedeleted';
  date_last_modified: Date;
}

const stamp = (type: ExchangeType, row: Stamped) =>
  type === 'bulk' ? ['', ''] : [row.status, row.date_last_modified.toISOString()];

export function orgCsvRow(
  type: ExchangeType,
  row: Stamped & {
    sourced_id: string;
    name: string;
    type: string;
    identifier: string | null;
    parent_sourced_id: string | null;
  },
): string[] {
  return [row.sourced_id, ...stamp(type, row), row.name, row.type, row.identifier ?? '', row.parent_sourced_id ?? ''];
}

export interface UserCsvInput extends Stamped {
  sourced_id: string;
  enabled_user: boolean;
  username: string | null;
  given_name: string;
  family_name: string;
  middle_name: string | null;
  role: string;
  identifier: string | null;
  email: string | null;
  phone: string | null;
  agents: readonly string[];
  grades: readonly string[];
  /** The user's orgs, primary first. */
  org_ids: readonly string[];
}

export function userCsvRow(type: ExchangeType, row: UserCsvInput): string[] {
  return [
    row.sourced_id,
    ...stamp(type, row),
    row.enabled_user ? 'true' : 'false',
    row.username ?? '',
    '',
    row.given_name,
    row.family_name,
    row.middle_name ?? '',
    row.identifier ?? '',
    row.email ?? '',
    '',
    row.phone ?? '',
    row.agents.join(','),
    row.grades.join(','),
    '',
    '',
    '',
    '',
    '',
    '',
    row.org_ids[0] ?? '',
    '',
  ];
}

const csvRole = (role: string) => (role === 'administrator' ? 'siteAdministrator' : role);

/** One primary role per org, as in the REST binding; its sourcedId names the user and the org. */
export function roleCsvRows(type: ExchangeType, row: UserCsvInput): string[][] {
  return row.org_ids.map((orgId) => [
    `${row.sourced_id}~${orgId}`,
    ...stamp(type, row),
    row.sourced_id,
    'primary',
    csvRole(row.role),
    '',
    '',
    orgId,
    '',
  ]);
}

export function demographicsCsvRow(type: ExchangeType, row: OneRosterDemographicsRow): string[] {
  const d = toOneRosterDemographics(row);
  return [
    d.sourcedId,
    ...stamp(type, row),
    d.birthDate,
    d.sex,
    d.americanIndianOrAlaskaNative,
    d.asian,
    d.blackOrAfricanAmerican,
    d.nativeHawaiianOrOtherPacificIslander,
    d.white,
    d.demographicRaceTwoOrMoreRaces,
    d.hispanicOrLatinoEthnicity,
    '',
    '',
    '',
    '',
  ];
}

export function academicSessionCsvRow(type: ExchangeType, row: OneRosterAcademicSessionRow): string[] {
  const s = toOneRosterAcademicSession(row);
  return [
    s.sourcedId,
    ...stamp(type, { status: 'active', date_last_modified: row.date_last_modified }),
    s.title,
    s.type,
    s.startDate,
    s.endDate,
    '',
    s.schoolYear,
  ];
}
