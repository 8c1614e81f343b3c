/**
 * OneRoster 1.2 orgs, demographics and academic sessions built from stored rows (users come from
 * `toOneRosterUser` in activities/standards.ts). Pure: no I/O, no clock.
 */

export interface OneRosterOrgRow {
  sourced_id: string;
  status: 'active' | 'tobedeleted';
  date_last_modified: Date;
  name: string;
  type: string;
  identifier: string | null;
  parent_sourced_id: string | null;
  metadata: Record<string, unknown>;
  children: readonly string[];
}

const ref = (baseUrl: string, collection: string, sourcedId: string, type: 'org' | 'academicSession') => ({
  href: `${baseUrl}/${collection}/${encodeURIComponent(sourcedId)}`,
  sourcedId,
  type,
});

/** `OrgDType` requires an identifier; an org without one (the TSA network) answers an empty string. */
export function toOneRosterOrg(row: OneRosterOrgRow, baseUrl: string) {
  return {
    sourcedId: row.sourced_id,
    status: row.status,
    dateLastModified: row.date_last_modified.toISOString(),
    metadata: row.metadata,
    name: row.name,
    type: row.type,
    identifier: row.identifier ?? '',
    ...(row.parent_sourced_id === null ? {} : { parent: ref(baseUrl, 'orgs', row.parent_sourced_id, 'org') }),
    children: row.children.map((id) => ref(baseUrl, 'orgs', id, 'org')),
  };
}

export interface OneRosterDemographicsRow {
  sourced_id: string;
  status: 'active' | 'tobedeleted';
  date_last_modified: Date;
  birth_date: string;
  sex_descriptor: string;
  races: readonly string[];
  hispanic_latino_ethnicity: boolean;
}

/** DS 5.2 SexDescriptor code values onto OneRoster's sex vocabulary. */
const SEX: Record<string, 'female' | 'male' | 'other' | 'unspecified'> = {
  Female: 'female',
  Male: 'male',
  'Non-binary': 'other',
  'Not Selected': 'unspecified',
};

/** DS 5.2 RaceDescriptor code values onto OneRoster's CEDS race flags ("Other" and "Choose Not to Respond" set none). */
const RACE_FLAGS = {
  'American Indian or Alaska Native': 'americanIndianOrAlaskaNative',
  Asian: 'asian',
  'Black or African American': 'blackOrAfricanAmerican',
  'Native Hawaiian or Pacific Islander': 'nativeHawaiianOrOtherPacificIslander',
  White: 'white',
} as const;

const codeValue = (descriptor: string) => descriptor.slice(descriptor.indexOf('#') + 1);
const flag = (value: boolean): 'true' | 'false' => (value ? 'true' : 'false');

export interface OneRosterDemographics {
  sourcedId: string;
  status: 'active' | 'tobedeleted';
  dateLastModified: string;
  birthDate: string;
  sex: 'female' | 'male' | 'other' | 'unspecified';
  americanIndianOrAlaskaNative: 'true' | 'false';
  asian: 'true' | 'false';
  blackOrAfricanAmerican: 'true' | 'false';
  nativeHawaiianOrOtherPacificIslander: 'true' | 'false';
  white: 'true' | 'false';
  demographicRaceTwoOrMoreRaces: 'true' | 'false';
  hispanicOrLatinoEthnicity: 'true' | 'false';
}

/** A user's demographics share its sourcedId, as the binding pairs them. */
export function toOneRosterDemographics(row: OneRosterDemographicsRow): OneRosterDemographics {
  const races = new Set(row.races.map(codeValue));
  const present = Object.keys(RACE_FLAGS).filter((race) => races.has(race));
  const flags = Object.fromEntries(
    Object.entries(RACE_FLAGS).map(([race, name]) => [name, flag(races.has(race))]),
  ) as Record<(typeof RACE_FLAGS)[keyof typeof RACE_FLAGS], 'true' | 'false'>;
  return {
    sourcedId: row.sourced_id,
    status: row.status,
    dateLastModified: row.date_last_modified.toISOString(),
    birthDate: row.birth_date,
    sex: SEX[codeValue(row.sex_descriptor)] ?? 'unspecified',
    ...flags,
    demographicRaceTwoOrMoreRaces: flag(present.length >= 2),
    hispanicOrLatinoEthnicity: flag(row.hispanic_latino_ethnicity),
  };
}

export interface OneRosterAcademicSessionRow {
  school_year: number;
  date_last_modified: Date;
}

export const academicSessionSourcedId = (schoolYear: number) => `school-year-${schoolYear}`;

/** A TSA school year runs 1 July to 30 June and is named by the year it ends (see `schoolYearFor`). */
export function toOneRosterAcademicSession(row: OneRosterAcademicSessionRow) {
  return {
    sourcedId: academicSessionSourcedId(row.school_year),
    status: 'active' as const,
    dateLastModified: row.date_last_modified.toISOString(),
    title: `${row.school_year - 1}-${row.school_year}`,
    startDate: `${row.school_year - 1}-07-01`,
    endDate: `${row.school_year}-06-30`,
    type: 'schoolYear' as const,
    schoolYear: String(row.school_year),
  };
}
