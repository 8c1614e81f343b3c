import { describe, expect, it } from 'vitest';
import {
  cedsGrade,
  entryTypeDescriptor,
  exitWithdrawTypeDescriptor,
  gradeLevelDescriptor,
  isStudentUniqueId,
  oneRosterUsername,
  raceDescriptor,
  schoolYearFor,
  sexDescriptor,
  SOURCE_SYSTEM_DESCRIPTOR,
  studentUniqueIdFor,
  toEdFiStudent,
  toEdFiStudentEducationOrganizationAssociation,
  toEdFiStudentSchoolAssociation,
  toOneRosterUser,
  toOneRosterUserEnvelope,
  type OneRosterUserRow,
  type StudentEducationOrganizationAssociationRow,
  type StudentRow,
  type StudentSchoolAssociationRow,
} from '../../standards';
import {
  GRADE_LEVEL_CODES,
  RACE_CODE_VALUES,
  SEX_CODE_VALUES,
  studentStepSchema,
  programStepSchema,
} from '../../workflows/enrollment-schemas';
import { descriptorFile, edFi, knownDescriptors, oneRoster } from '../helpers/standards';

/** Every `...Descriptor` value anywhere in an export, with where it was found. */
function descriptorsIn(value: unknown, at = ''): { at: string; value: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => descriptorsIn(item, `${at}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key.endsWith('Descriptor') && typeof child === 'string'
      ? [{ at: `${at}.${key}`, value: child }]
      : descriptorsIn(child, `${at}.${key}`),
  );
}

/** Descriptors that are neither DS 5.2 values nor TSA's own source system. */
function unknownDescriptors(value: unknown): { at: string; value: string }[] {
  return descriptorsIn(value).filter((d) => !knownDescriptors.has(d.value) && d.value !== SOURCE_SYSTEM_DESCRIPTOR);
}

describe('Ed-Fi DS 5.2 descriptors', () => {
  it('maps every grade level code to a DS 5.2 GradeLevelDescriptor', () => {
    for (const code of GRADE_LEVEL_CODES) {
      expect(descriptorFile.GradeLevelDescriptor, code).toContain(gradeLevelDescriptor(code));
    }
    expect(gradeLevelDescriptor('PK')).toBe('uri://ed-fi.org/GradeLevelDescriptor#Prekindergarten');
    expect(gradeLevelDescriptor('KG')).toBe('uri://ed-fi.org/GradeLevelDescriptor#Kindergarten');
    expect(gradeLevelDescriptor('01')).toBe('uri://ed-fi.org/GradeLevelDescriptor#First grade');
    expect(gradeLevelDescriptor('09')).toBe('uri://ed-fi.org/GradeLevelDescriptor#Ninth grade');
    expect(gradeLevelDescriptor('12')).toBe('uri://ed-fi.org/GradeLevelDescriptor#Twelfth grade');
    expect(new Set(GRADE_LEVEL_CODES.map(gradeLevelDescriptor)).size).toBe(GRADE_LEVEL_CODES.length);
  });

  it('accepts exactly the DS 5.2 sex and race code values', () => {
    expect(SEX_CODE_VALUES.map(sexDescriptor)).toEqual(descriptorFile.SexDescriptor);
    expect(RACE_CODE_VALUES.map(raceDescriptor)).toEqual(descriptorFile.RaceDescriptor);
    expect(sexDescriptor('Not Selected')).toBe('uri://ed-fi.org/SexDescriptor#Not Selected');
  });

  it('enters a student as a transfer only when a previous school is named', () => {
    expect(entryTypeDescriptor('Austin Middle School')).toBe('uri://ed-fi.org/EntryTypeDescriptor#Transfer');
    expect(entryTypeDescriptor()).toBe('uri://ed-fi.org/EntryTypeDescriptor#New to education system');
    expect(entryTypeDescriptor('  ')).toBe('uri://ed-fi.org/EntryTypeDescriptor#New to education system');
    expect(descriptorFile.EntryTypeDescriptor).toContain(entryTypeDescriptor('x'));
    expect(descriptorFile.EntryTypeDescriptor).toContain(entryTypeDescriptor());
  });

  it('withdraws cancelled and expired enrollments with DS 5.2 exit types', () => {
    expect(exitWithdrawTypeDescriptor('cancelled')).toBe('uri://ed-fi.org/ExitWithdrawTypeDescriptor#Withdrawn');
    expect(exitWithdrawTypeDescriptor('expired')).toBe('uri://ed-fi.org/ExitWithdrawTypeDescriptor#No show');
    for (const kind of ['cancelled', 'expired'] as const) {
      expect(descriptorFile.ExitWithdrawTypeDescriptor).toContain(exitWithdrawTypeDescriptor(kind));
    }
  });

  it('uses the CEDS grade codes for OneRoster grades', () => {
    expect(GRADE_LEVEL_CODES.map(cedsGrade)).toEqual([
      'PK',
      'KG',
      '01',
      '02',
      '03',
      '04',
      '05',
      '06',
      '07',
      '08',
      '09',
      '10',
      '11',
      '12',
    ]);
  });
});

describe('schoolYearFor', () => {
  it('names the school year by the year it ends; a school year starts on 1 July', () => {
    expect(schoolYearFor('2026-08-15')).toBe(2027);
    expect(schoolYearFor('2027-03-01')).toBe(2027);
    expect(schoolYearFor('2026-06-30')).toBe(2026);
    expect(schoolYearFor('2026-07-01')).toBe(2027);
    expect(schoolYearFor('2026-12-31')).toBe(2027);
    expect(schoolYearFor('2027-01-01')).toBe(2027);
  });

  it('refuses a string that is not a date', () => {
    expect(() => schoolYearFor('15/08/2026')).toThrow(RangeError);
  });
});

describe('identifiers', () => {
  it('builds and recognises student unique ids', () => {
    const id = studentUniqueIdFor('2026-06-01', 'A1B2C3');
    expect(id).toBe('TSA-STU-20260601-A1B2C3');
    expect(isStudentUniqueId(id)).toBe(true);
    expect(isStudentUniqueId('TSA-STU-20260601-a1b2c3')).toBe(false);
    expect(isStudentUniqueId('TSA-ENROLL-20260601-A1B2C3')).toBe(false);
    expect(() => studentUniqueIdFor('2026-06-01', 'abc')).toThrow(RangeError);
    expect(() => studentUniqueIdFor('20260601', 'A1B2C3')).toThrow(RangeError);
  });

  it('normalises OneRoster usernames to lowercase ASCII firstname.lastname.usi', () => {
    expect(oneRosterUsername('María José', 'De La Cruz', 42)).toBe('mariajose.delacruz.42');
    expect(oneRosterUsername('Zoë', "O'Brien-Núñez", 7)).toBe('zoe.obrien-nunez.7');
    expect(oneRosterUsername('Jürgen', 'Groß', 1734555555123)).toBe('jurgen.gross.1734555555123');
    expect(oneRosterUsername('Søren', 'Łukasz', 3)).toBe('soren.lukasz.3');
    expect(oneRosterUsername('李', 'Wang', 9)).toBe('wang.9');
    expect(oneRosterUsername('Ana', 'Lee', 5)).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/);
  });
});

// A created record set as the database holds it, from a parent's step 2 and step 4 answers.
const program = programStepSchema.parse({
  sportInterests: ['basketball'],
  gradeLevel: '09',
  expectedStartDate: '2026-08-17',
  previousSchool: 'Austin Middle School',
});
const student = studentStepSchema.parse({
  firstName: 'María José',
  middleName: 'Lucía',
  lastName: 'De La Cruz',
  birthDate: '2012-02-29',
  sex: 'Female',
  hispanicLatinoEthnicity: true,
  races: ['White', 'Black or African American'],
});
const studentUniqueId = studentUniqueIdFor('2026-06-01', 'A1B2C3');
const races = student.races.map(raceDescriptor);

const studentRow: StudentRow = {
  student_usi: 42,
  student_unique_id: studentUniqueId,
  first_name: student.firstName,
  middle_name: student.middleName ?? null,
  last_name: student.lastName,
  birth_date: student.birthDate,
  birth_sex_descriptor: sexDescriptor(student.sex),
  hispanic_latino_ethnicity: student.hispanicLatinoEthnicity,
  races,
  source_system_descriptor: SOURCE_SYSTEM_DESCRIPTOR,
};
const seoaRow: StudentEducationOrganizationAssociationRow = {
  student_unique_id: studentUniqueId,
  education_organization_id: 1,
  sex_descriptor: sexDescriptor(student.sex),
  races,
  hispanic_latino_ethnicity: student.hispanicLatinoEthnicity,
};
const ssaRow: StudentSchoolAssociationRow = {
  student_unique_id: studentUniqueId,
  school_id: 1,
  entry_date: '2026-06-01',
  entry_grade_level_descriptor: gradeLevelDescriptor(program.gradeLevel),
  entry_type_descriptor: entryTypeDescriptor(program.previousSchool),
  school_year: schoolYearFor(program.expectedStartDate),
  primary_school: true,
  exit_withdraw_date: null,
  exit_withdraw_type_descriptor: null,
};
const withdrawnSsaRow: StudentSchoolAssociationRow = {
  ...ssaRow,
  exit_withdraw_date: '2026-07-01',
  exit_withdraw_type_descriptor: exitWithdrawTypeDescriptor('expired'),
};
const studentUserRow: OneRosterUserRow = {
  sourced_id: `student_${studentUniqueId}`,
  status: 'active',
  date_last_modified: new Date('2026-06-01T14:03:04.005Z'),
  enabled_user: true,
  username: oneRosterUsername(student.firstName, student.lastName, 42),
  given_name: student.firstName,
  family_name: student.lastName,
  middle_name: student.middleName ?? null,
  role: 'student',
  identifier: studentUniqueId,
  email: null,
  phone: null,
  birth_date: student.birthDate,
  org_ids: ['org_school_1'],
  grades: [cedsGrade(program.gradeLevel)],
  agents: ['guardian_3f2a9c'],
  model_metadata: { enrollmentId: 'TSA-ENROLL-20260601-ZX81QA', source: 'TSA_Admissions_Portal' },
};
const guardianUserRow: OneRosterUserRow = {
  sourced_id: 'guardian_3f2a9c',
  status: 'active',
  date_last_modified: new Date('2026-06-01T14:03:04.005Z'),
  enabled_user: true,
  username: null,
  given_name: 'Ana',
  family_name: 'García',
  middle_name: null,
  role: 'parent',
  identifier: null,
  email: 'ana.garcia@example.com',
  phone: '+1 (512) 555-0142',
  birth_date: null,
  org_ids: ['org_school_1'],
  grades: [],
  agents: [`student_${studentUniqueId}`],
  model_metadata: { relationship: 'mother' },
};

describe('Ed-Fi exports of a created record set', () => {
  it('builds a Student valid against DS 5.2, keeping every stored field that has a place', () => {
    const edFiStudent = toEdFiStudent(studentRow);
    expect(edFi.student(edFiStudent), JSON.stringify(edFi.student.errors)).toBe(true);
    expect(edFiStudent).toEqual({
      studentUniqueId: 'TSA-STU-20260601-A1B2C3',
      firstName: 'María José',
      middleName: 'Lucía',
      lastSurname: 'De La Cruz',
      birthDate: '2012-02-29',
      birthSexDescriptor: 'uri://ed-fi.org/SexDescriptor#Female',
      personReference: { personId: 'TSA-STU-20260601-A1B2C3', sourceSystemDescriptor: SOURCE_SYSTEM_DESCRIPTOR },
    });
    expect(unknownDescriptors(edFiStudent)).toEqual([]);
    const withoutMiddleName = toEdFiStudent({ ...studentRow, middle_name: null });
    expect(withoutMiddleName).not.toHaveProperty('middleName');
    expect(edFi.student(withoutMiddleName)).toBe(true);
  });

  it('builds a StudentEducationOrganizationAssociation with sex, races and ethnicity', () => {
    const seoa = toEdFiStudentEducationOrganizationAssociation(seoaRow);
    expect(edFi.studentEducationOrganizationAssociation(seoa)).toBe(true);
    expect(seoa).toEqual({
      studentReference: { studentUniqueId },
      educationOrganizationReference: { educationOrganizationId: 1 },
      sexDescriptor: 'uri://ed-fi.org/SexDescriptor#Female',
      hispanicLatinoEthnicity: true,
      races: [
        { raceDescriptor: 'uri://ed-fi.org/RaceDescriptor#White' },
        { raceDescriptor: 'uri://ed-fi.org/RaceDescriptor#Black or African American' },
      ],
    });
    expect(unknownDescriptors(seoa)).toEqual([]);
  });

  it('builds a StudentSchoolAssociation, with the exit fields once the student is withdrawn', () => {
    const ssa = toEdFiStudentSchoolAssociation(ssaRow);
    expect(edFi.studentSchoolAssociation(ssa), JSON.stringify(edFi.studentSchoolAssociation.errors)).toBe(true);
    expect(ssa).toEqual({
      studentReference: { studentUniqueId },
      schoolReference: { schoolId: 1 },
      entryDate: '2026-06-01',
      entryGradeLevelDescriptor: 'uri://ed-fi.org/GradeLevelDescriptor#Ninth grade',
      entryTypeDescriptor: 'uri://ed-fi.org/EntryTypeDescriptor#Transfer',
      schoolYearTypeReference: { schoolYear: 2027 },
      primarySchool: true,
    });
    expect(unknownDescriptors(ssa)).toEqual([]);

    const withdrawn = toEdFiStudentSchoolAssociation(withdrawnSsaRow);
    expect(edFi.studentSchoolAssociation(withdrawn)).toBe(true);
    expect(withdrawn).toMatchObject({
      exitWithdrawDate: '2026-07-01',
      exitWithdrawTypeDescriptor: 'uri://ed-fi.org/ExitWithdrawTypeDescriptor#No show',
    });
    expect(unknownDescriptors(withdrawn)).toEqual([]);
  });

  it('fails validation for rows the standard cannot hold', () => {
    expect(edFi.student(toEdFiStudent({ ...studentRow, first_name: '   ' }))).toBe(false);
    expect(edFi.student.errors?.[0]?.instancePath).toBe('/firstName');
    expect(edFi.student(toEdFiStudent({ ...studentRow, birth_date: '2012-02-30' }))).toBe(false);
    expect(edFi.student.errors?.[0]?.instancePath).toBe('/birthDate');
    expect(edFi.studentSchoolAssociation(toEdFiStudentSchoolAssociation({ ...ssaRow, school_year: 1850 }))).toBe(false);
    const { schoolReference: _schoolReference, ...withoutSchool } = toEdFiStudentSchoolAssociation(ssaRow);
    expect(edFi.studentSchoolAssociation(withoutSchool)).toBe(false);
    expect(edFi.studentSchoolAssociation.errors?.[0]?.params).toEqual({ missingProperty: 'schoolReference' });
    expect(edFi.student({ ...toEdFiStudent(studentRow), races: [] })).toBe(false);
  });

  it('catches a descriptor that is not a DS 5.2 value', () => {
    const ssa = toEdFiStudentSchoolAssociation({
      ...ssaRow,
      entry_grade_level_descriptor: 'uri://ed-fi.org/GradeLevelDescriptor#Grade 9',
    });
    expect(unknownDescriptors(ssa)).toEqual([
      { at: '.entryGradeLevelDescriptor', value: 'uri://ed-fi.org/GradeLevelDescriptor#Grade 9' },
    ]);
    const seoa = toEdFiStudentEducationOrganizationAssociation({ ...seoaRow, races: ['White'] });
    expect(unknownDescriptors(seoa)).toEqual([{ at: '.races[0].raceDescriptor', value: 'White' }]);
  });
});

describe('OneRoster 1.2 users of a created record set', () => {
  it('builds the student user valid against UserDType, birth date in metadata', () => {
    const user = toOneRosterUser(studentUserRow);
    expect(oneRoster.user(user), JSON.stringify(oneRoster.user.errors)).toBe(true);
    expect(user).toEqual({
      sourcedId: `student_${studentUniqueId}`,
      status: 'active',
      dateLastModified: '2026-06-01T14:03:04.005Z',
      metadata: {
        enrollmentId: 'TSA-ENROLL-20260601-ZX81QA',
        source: 'TSA_Admissions_Portal',
        birthDate: '2012-02-29',
      },
      username: 'mariajose.delacruz.42',
      enabledUser: 'true',
      givenName: 'María José',
      familyName: 'De La Cruz',
      middleName: 'Lucía',
      roles: [
        {
          roleType: 'primary',
          role: 'student',
          org: {
            href: 'https://tsa.academy/ims/oneroster/rostering/v1p2/orgs/org_school_1',
            sourcedId: 'org_school_1',
            type: 'org',
          },
        },
      ],
      identifier: studentUniqueId,
      agents: [
        {
          href: 'https://tsa.academy/ims/oneroster/rostering/v1p2/users/guardian_3f2a9c',
          sourcedId: 'guardian_3f2a9c',
          type: 'user',
        },
      ],
      grades: ['09'],
    });
  });

  it('builds the guardian user linked back to the student, and the users envelope', () => {
    const guardian = toOneRosterUser(guardianUserRow, {
      baseUrl: 'https://roster.example.org/ims/oneroster/rostering/v1p2/',
    });
    expect(oneRoster.user(guardian), JSON.stringify(oneRoster.user.errors)).toBe(true);
    expect(guardian).toMatchObject({
      roles: [{ roleType: 'primary', role: 'parent' }],
      email: 'ana.garcia@example.com',
      phone: '+1 (512) 555-0142',
      agents: [
        {
          href: `https://roster.example.org/ims/oneroster/rostering/v1p2/users/student_${studentUniqueId}`,
          sourcedId: `student_${studentUniqueId}`,
          type: 'user',
        },
      ],
    });
    expect(guardian).not.toHaveProperty('username');
    expect(guardian.metadata).not.toHaveProperty('birthDate');

    const envelope = toOneRosterUserEnvelope([studentUserRow, guardianUserRow]);
    expect(oneRoster.userSet(envelope), JSON.stringify(oneRoster.userSet.errors)).toBe(true);
    expect(envelope.users.map((user) => user.sourcedId)).toEqual([studentUserRow.sourced_id, 'guardian_3f2a9c']);
  });

  it('marks a withdrawn student to be deleted and disabled', () => {
    const user = toOneRosterUser({ ...studentUserRow, status: 'tobedeleted', enabled_user: false });
    expect(oneRoster.user(user)).toBe(true);
    expect(user).toMatchObject({ status: 'tobedeleted', enabledUser: 'false' });
  });

  it('exports the OneRoster 1.1 administrator role as a 1.2 site administrator', () => {
    const user = toOneRosterUser({ ...guardianUserRow, role: 'administrator', agents: [] });
    expect(oneRoster.user(user)).toBe(true);
    expect(user.roles[0]?.role).toBe('siteAdministrator');
  });

  it('fails validation for users OneRoster cannot hold', () => {
    expect(oneRoster.user(toOneRosterUser({ ...studentUserRow, role: 'coach' }))).toBe(false);
    expect(oneRoster.user.errors?.some((error) => error.instancePath === '/roles/0/role')).toBe(true);
    expect(oneRoster.user({ ...toOneRosterUser(studentUserRow), birthDate: '2012-02-29' })).toBe(false);
    expect(oneRoster.user({ ...toOneRosterUser(studentUserRow), enabledUser: true })).toBe(false);
    expect(() => toOneRosterUser({ ...studentUserRow, org_ids: [] })).toThrow(/belongs to no org/);
  });
});
