/**
 * Ed-Fi DS 5.2 Contact, StudentContactAssociation and School built from stored rows (Student and the two student
 * associations come from standards/index.ts). Pure: no I/O, no clock.
 */
import { gradeLevelDescriptor } from '../index';
import { GRADE_LEVEL_CODES } from '../../domain/enrollment';

const descriptor = (name: string, codeValue: string) => `uri://ed-fi.org/${name}#${codeValue}`;

export interface ContactRow {
  contact_unique_id: string;
  given_name: string;
  family_name: string;
  middle_name: string | null;
  email: string | null;
  phone: string | null;
  /** The guardian user's `model_metadata`: `relationship` and `address` from enrollment step 1. */
  model_metadata: Record<string, unknown>;
}

interface StepOneAddress {
  line1: string;
  line2?: string;
  city: string;
  state: string;
  postalCode: string;
}

function stepOneAddress(metadata: Record<string, unknown>): StepOneAddress | undefined {
  const a = metadata.address as Partial<StepOneAddress> | undefined;
  if (!a || typeof a.line1 !== 'string' || typeof a.city !== 'string' || typeof a.state !== 'string') return undefined;
  if (typeof a.postalCode !== 'string') return undefined;
  return a as StepOneAddress;
}

/** The guardian from enrollment step 1: name, the e-mail and phone the family gave, and the home address. */
export function toEdFiContact(row: ContactRow) {
  const address = stepOneAddress(row.model_metadata);
  return {
    contactUniqueId: row.contact_unique_id,
    firstName: row.given_name,
    ...(row.middle_name === null ? {} : { middleName: row.middle_name }),
    lastSurname: row.family_name,
    ...(row.email === null
      ? {}
      : {
          electronicMails: [
            {
              electronicMailAddress: row.email,
              electronicMailTypeDescriptor: descriptor('ElectronicMailTypeDescriptor', 'Home/Personal'),
              primaryEmailAddressIndicator: true,
            },
          ],
        }),
    ...(row.phone === null
      ? {}
      : {
          telephones: [
            {
              telephoneNumber: row.phone,
              telephoneNumberTypeDescriptor: descriptor('TelephoneNumberTypeDescriptor', 'Mobile'),
              orderOfPriority: 1,
            },
          ],
        }),
    ...(address === undefined
      ? {}
      : {
          addresses: [
            {
              addressTypeDescriptor: descriptor('AddressTypeDescriptor', 'Home'),
              streetNumberName: address.line1,
              ...(address.line2 ? { apartmentRoomSuiteNumber: address.line2 } : {}),
              city: address.city,
              stateAbbreviationDescriptor: descriptor('StateAbbreviationDescriptor', address.state),
              postalCode: address.postalCode,
            },
          ],
        }),
  };
}

/** Step 1's relationship values onto DS 5.2 RelationDescriptor code values. */
const RELATION: Record<string, string> = {
  mother: 'Mother',
  father: 'Father',
  guardian: 'Guardian',
  grandparent: 'Grandparent',
  other: 'Other',
};

export interface StudentContactRow {
  student_unique_id: string;
  contact_unique_id: string;
  guardian_metadata: Record<string, unknown>;
}

/**
 * The guardian who enrolled the student is the family's primary and emergency contact, first to call; whether they
 * are the legal guardian or live with the student is not asked, so those stay unsaid.
 */
export function toEdFiStudentContactAssociation(row: StudentContactRow) {
  const relationship = row.guardian_metadata.relationship;
  return {
    studentReference: { studentUniqueId: row.student_unique_id },
    contactReference: { contactUniqueId: row.contact_unique_id },
    relationDescriptor: descriptor('RelationDescriptor', RELATION[String(relationship)] ?? 'Other'),
    primaryContactStatus: true,
    emergencyContactStatus: true,
    contactPriority: 1,
  };
}

export interface SchoolRow {
  school_id: number;
  name_of_institution: string;
}

/** A TSA microschool: an Ed-Fi School offering every grade the enrollment form accepts. */
export function toEdFiSchool(row: SchoolRow) {
  return {
    schoolId: row.school_id,
    nameOfInstitution: row.name_of_institution,
    educationOrganizationCategories: [
      { educationOrganizationCategoryDescriptor: descriptor('EducationOrganizationCategoryDescriptor', 'School') },
    ],
    gradeLevels: GRADE_LEVEL_CODES.map((code) => ({ gradeLevelDescriptor: gradeLevelDescriptor(code) })),
  };
}
