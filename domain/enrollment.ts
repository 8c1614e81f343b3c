/**
 * The enrollment's vocabulary and the shapes every layer shares: the API, the workflow, the activities and the
 * repositories. Pure: imports nothing of the project, does no I/O and reads no clock (it is bundled into workflow
 * code). Ed-Fi DS 5.2 and OneRoster 1.2 mappings of these values live in `standards/`.
 */
import { z } from 'zod';

// Ids

export const ENROLLMENT_ID_PATTERN = /^TSA-ENROLL-\d{8}-[A-Z0-9]{6}$/;
export const STUDENT_UNIQUE_ID_PATTERN = /^TSA-STU-\d{8}-[A-Z0-9]{6}$/;

// Steps and statuses

export type StepNumber = 1 | 2 | 3 | 4 | 5 | 6;

export const STEP_NAMES = {
  1: 'parent',
  2: 'program',
  3: 'consultation',
  4: 'student',
  5: 'documents',
  6: 'payment',
} as const satisfies Record<StepNumber, string>;

export const ENROLLMENT_STATUSES = ['in_progress', 'registered', 'enrolled', 'cancelled', 'expired'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
export const STEP_STATUSES = ['pending', 'completed', 'awaiting_confirmation', 'rejected'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const STUDENT_RECORDS_STATUSES = ['not_started', 'creating', 'created', 'failed'] as const;
export type StudentRecordsStatus = (typeof STUDENT_RECORDS_STATUSES)[number];
/** The student's status in `tsa_student_extensions`. */
export type StudentEnrollmentStatus = 'registered' | 'enrolled' | 'withdrawn';

// Step vocabularies

export const GUARDIAN_RELATIONSHIPS = ['mother', 'father', 'guardian', 'grandparent', 'other'] as const;

/** Grade levels a family can choose, as CEDS grade codes (also OneRoster's `grades` vocabulary). */
export const GRADE_LEVEL_CODES = [
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
] as const;
export type GradeLevelCode = (typeof GRADE_LEVEL_CODES)[number];

/** Ed-Fi DS 5.2 SexDescriptor code values. */
export const SEX_CODE_VALUES = ['Female', 'Male', 'Non-binary', 'Not Selected'] as const;
export type Sex = (typeof SEX_CODE_VALUES)[number];

/** Ed-Fi DS 5.2 RaceDescriptor code values, in the order of the standard's descriptor file. */
export const RACE_CODE_VALUES = [
  'American Indian or Alaska Native',
  'Asian',
  'Black or African American',
  'Choose Not to Respond',
  'Native Hawaiian or Pacific Islander',
  'Other',
  'White',
  'Hispanic or Latino',
  'Middle Eastern or North African',
] as const;
export type Race = (typeof RACE_CODE_VALUES)[number];

export const DOCUMENT_TYPES = [
  'birth_certificate',
  'immunization_record',
  'proof_of_residence',
  'prior_school_records',
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** The step completes when one document of each of these types is in (prior school records are optional). */
export const REQUIRED_DOCUMENT_TYPES = [
  'birth_certificate',
  'immunization_record',
  'proof_of_residence',
] as const satisfies readonly DocumentType[];

export function hasAllRequiredDocuments(documents: readonly { type: DocumentType }[]): boolean {
  const present = new Set(documents.map((document) => document.type));
  return REQUIRED_DOCUMENT_TYPES.every((type) => present.has(type));
}

// Progress: what GET and PUT answer and the `progress` query returns (SPEC §3)

export const progressSchema = z.object({
  enrollmentId: z.string(),
  status: z.enum(ENROLLMENT_STATUSES),
  currentStep: z.literal([1, 2, 3, 4, 5, 6]),
  steps: z.array(
    z.object({
      step: z.literal([1, 2, 3, 4, 5, 6]),
      name: z.string(),
      status: z.enum(STEP_STATUSES),
      completedAt: z.string().optional(),
    }),
  ),
  studentRecords: z.object({
    status: z.enum(STUDENT_RECORDS_STATUSES),
    studentUniqueId: z.string().optional(),
    /** Why the records could not be created, in a sentence for the parent. */
    error: z.string().optional(),
    /** The same for operators and auditors (may name tables and SQLSTATEs); the API leaves it out for parents. */
    errorDetail: z.string().optional(),
    attempts: z.number().int().optional(),
  }),
  /** Signals that could not be applied, newest last (bounded). */
  rejectedMessages: z.array(
    z.object({ at: z.string(), message: z.string(), step: z.number().optional(), reason: z.string() }),
  ),
  updatedAt: z.string(),
});
export type EnrollmentProgress = z.infer<typeof progressSchema>;
export type StepProgress = EnrollmentProgress['steps'][number];
export type StudentRecordsProgress = EnrollmentProgress['studentRecords'];
export type RejectedMessage = EnrollmentProgress['rejectedMessages'][number];

// The `enrollments` row (the projection operators and parent-facing lists read)

export interface EnrollmentRow {
  enrollmentId: string;
  invitationId: string;
  coachId: string | null;
  schoolId: number;
  status: EnrollmentStatus;
  currentStep: number;
  studentUniqueId: string | null;
  studentRecordsStatus: StudentRecordsStatus;
  /** For operators: may name tables and SQLSTATEs, never personal values. */
  studentRecordsError: string | null;
  studentRecordsAttempts: number;
  /** Orders writes: a write carrying an older version than the stored one changes nothing. */
  version: number;
}

// The student record set (step 4): everything its one-transaction write needs

export interface RecordSetGuardian {
  guardian: {
    firstName: string;
    lastName: string;
    email: string;
    phone: string;
    relationship: (typeof GUARDIAN_RELATIONSHIPS)[number];
  };
  address: { line1: string; line2?: string; city: string; state: string; postalCode: string };
}

export interface RecordSetProgram {
  sportInterests: string[];
  gradeLevel: GradeLevelCode;
  expectedStartDate: string;
  previousSchool?: string;
}

export interface RecordSetStudent {
  firstName: string;
  middleName?: string;
  lastName: string;
  birthDate: string;
  sex: Sex;
  hispanicLatinoEthnicity: boolean;
  races: Race[];
}

export interface StudentRecordSetInput {
  enrollmentId: string;
  invitationId: string;
  coachId: string | null;
  schoolId: number;
  studentUniqueId: string;
  guardian: RecordSetGuardian;
  program: RecordSetProgram;
  student: RecordSetStudent;
  entryDate: string;
  enrollmentStatus: StudentEnrollmentStatus;
  consultationCompleted: boolean;
  documentsComplete: boolean;
  depositPaid: boolean;
  enrollmentCompletedDate: string | null;
  withdrawal: { date: string; kind: 'cancelled' | 'expired'; reason: string } | null;
  /** The state version this snapshot reflects: a later write never loses to an earlier one. */
  version: number;
}
