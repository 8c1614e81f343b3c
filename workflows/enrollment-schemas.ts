/**
 * The enrollment's message payloads as zod schemas: the API validates request bodies with them and the workflow's
 * update validator and signal handlers validate the same messages again. Bundled into workflow code, so this module
 * imports nothing but zod and uses no Node API and no clock.
 *
 * Every object is strict: an unknown key is rejected and named, so a typo ("phnoe") never silently drops a field.
 * Messages of the validators below start with "must" or "is"; formatIssues puts the field's path in front of them.
 */
import { z } from 'zod';
import {
  DOCUMENT_TYPES,
  GRADE_LEVEL_CODES,
  GUARDIAN_RELATIONSHIPS,
  RACE_CODE_VALUES,
  SEX_CODE_VALUES,
  type StepNumber,
} from '../domain/enrollment';

export {
  GRADE_LEVEL_CODES,
  hasAllRequiredDocuments,
  RACE_CODE_VALUES,
  REQUIRED_DOCUMENT_TYPES,
  SEX_CODE_VALUES,
  STEP_NAMES,
  type DocumentType,
  type GradeLevelCode,
  type Race,
  type Sex,
  type StepNumber,
} from '../domain/enrollment';

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True for a `YYYY-MM-DD` string naming a day that exists in the Gregorian calendar (2024-02-29 yes, 2025-02-30 no). */
export function isValidDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * An enum whose message lists the values in their given order (zod's own would put "10" before "PK") and that calls a
 * missing value missing (zod reports it as an invalid option, and leaves the input out of the issue).
 */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const message = `must be one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined ? 'is required' : issue.code === 'invalid_value' ? message : undefined,
  });
}

const calendarDate = z.string().refine(isValidDate, { error: 'must be a real calendar date in the form YYYY-MM-DD' });

/** Names are trimmed first, so "  " counts as empty; 75 is Ed-Fi's limit for first, middle and last names. */
const personName = z.string().trim().min(1).max(75);

/** Rejects repeated items, naming the index of each repeat (`races.2`). */
function uniqueItems<T extends z.ZodType>(item: T, what: string) {
  return z.array(item).superRefine((items, ctx) => {
    const seen = new Set<unknown>();
    items.forEach((value, index) => {
      if (seen.has(value)) {
        ctx.addIssue({ code: 'custom', path: [index], message: `must not repeat ${what} ${JSON.stringify(value)}` });
      }
      seen.add(value);
    });
  });
}

// Step 1: parent

export const guardianStepSchema = z.strictObject({
  guardian: z.strictObject({
    firstName: personName,
    lastName: personName,
    email: z.email().max(254),
    phone: z.string().regex(/^(?=(?:\D*\d){7})[0-9 +()-]{7,20}$/, {
      error: 'must be a phone number: 7–20 digits, spaces, +, - or parentheses, with at least 7 digits',
    }),
    relationship: oneOf(GUARDIAN_RELATIONSHIPS),
  }),
  address: z.strictObject({
    line1: z.string().trim().min(1).max(150),
    line2: z.string().trim().min(1).max(150).optional(),
    city: z.string().trim().min(1).max(100),
    state: z.string().regex(/^[A-Z]{2}$/, { error: 'must be a two-letter uppercase state code, e.g. "TX"' }),
    postalCode: z.string().regex(/^\d{5}(?:-\d{4})?$/, { error: 'must be a US ZIP code: 12345 or 12345-6789' }),
  }),
});
export type GuardianStep = z.infer<typeof guardianStepSchema>;

// Step 2: program

export const programStepSchema = z.strictObject({
  sportInterests: uniqueItems(
    z
      .string()
      .min(2)
      .max(40)
      .regex(/^[a-z0-9]+(?:[ -][a-z0-9]+)*$/, {
        error: 'must be a lowercase sport name of letters and digits, words separated by one space or hyphen',
      }),
    'sport',
  )
    .min(1)
    .max(10),
  gradeLevel: oneOf(GRADE_LEVEL_CODES),
  expectedStartDate: calendarDate,
  previousSchool: z.string().trim().min(1).max(200).optional(),
});
export type ProgramStep = z.infer<typeof programStepSchema>;

// Step 3: consultation

export const consultationStepSchema = z.strictObject({
  scheduledAt: z.iso.datetime({
    offset: true,
    error: (issue) =>
      issue.code === 'invalid_format'
        ? 'must be an ISO 8601 date-time with a time zone, e.g. 2026-09-01T15:30:00-05:00 or 2026-09-01T20:30:00Z'
        : undefined,
  }),
});
export type ConsultationStep = z.infer<typeof consultationStepSchema>;

// Step 4: student

export const studentStepSchema = z.strictObject({
  firstName: personName,
  middleName: personName.optional(),
  lastName: personName,
  // Whether the date lies in the past is the workflow's business (it knows the time); here only the calendar.
  birthDate: calendarDate,
  sex: oneOf(SEX_CODE_VALUES),
  hispanicLatinoEthnicity: z.boolean(),
  races: uniqueItems(oneOf(RACE_CODE_VALUES), 'race').min(1),
});
export type StudentStep = z.infer<typeof studentStepSchema>;

// Step 5: documents

export const documentsStepSchema = z.strictObject({
  documents: z
    .array(
      z.strictObject({
        type: oneOf(DOCUMENT_TYPES),
        fileName: z.string().trim().min(1).max(255),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a SHA-256 digest: 64 lowercase hex digits' }),
      }),
    )
    .min(1)
    .max(20),
});
export type DocumentsStep = z.infer<typeof documentsStepSchema>;

// Step 6: payment

const paymentReference = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'must be 1–100 characters of letters, digits, _ or -' });
const amountCents = z.int().positive().max(10_000_000);

export const paymentStepSchema = z.strictObject({ paymentReference, amountCents });
export type PaymentStep = z.infer<typeof paymentStepSchema>;

// Steps together

export const stepPayloadSchemas = {
  1: guardianStepSchema,
  2: programStepSchema,
  3: consultationStepSchema,
  4: studentStepSchema,
  5: documentsStepSchema,
  6: paymentStepSchema,
} as const satisfies Record<StepNumber, z.ZodType>;

/** `{ step, data }`: what the submitStep update and signal carry; `step` selects the payload schema. */
export const stepSubmissionSchema = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal(1), data: guardianStepSchema }),
  z.strictObject({ step: z.literal(2), data: programStepSchema }),
  z.strictObject({ step: z.literal(3), data: consultationStepSchema }),
  z.strictObject({ step: z.literal(4), data: studentStepSchema }),
  z.strictObject({ step: z.literal(5), data: documentsStepSchema }),
  z.strictObject({ step: z.literal(6), data: paymentStepSchema }),
]);
export type StepSubmission = z.infer<typeof stepSubmissionSchema>;

// Other enrollment messages

/** The coach confirms the consultation took place. */
export const consultationCompletedSchema = z.strictObject({
  completed: z.literal(true, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be true') }),
  notes: z.string().trim().max(2000).optional(),
});
export type ConsultationCompleted = z.infer<typeof consultationCompletedSchema>;

/** The payment provider's webhook body. */
export const paymentConfirmationSchema = z.strictObject({
  enrollmentId: z
    .string()
    .regex(/^TSA-ENROLL-\d{8}-[A-Z0-9]{6}$/, { error: 'must be an enrollment id: TSA-ENROLL-YYYYMMDD-XXXXXX' }),
  paymentReference,
  amountCents,
  status: oneOf(['succeeded', 'failed']),
});
export type PaymentConfirmation = z.infer<typeof paymentConfirmationSchema>;

/** An operator's fixes to the student step, sent with a retry of student-record creation; any subset of fields. */
export const studentCorrectionsSchema = studentStepSchema.partial();
export type StudentCorrections = z.infer<typeof studentCorrectionsSchema>;

// Issues for people

export interface FieldIssue {
  /** Dotted path of the field (`guardian.email`, `races.0`); empty for the whole input. */
  path: string;
  /** A sentence that starts with the field's path, e.g. `guardian.email must be a valid email address`. */
  message: string;
}

const ARTICLE_TYPES: Record<string, string> = {
  array: 'an array',
  boolean: 'a boolean (true or false)',
  int: 'an integer',
  number: 'a number',
  object: 'an object',
  string: 'a string',
};

function plural(count: number | bigint, noun: string): string {
  return `${count} ${noun}${count === 1 || count === 1n ? '' : 's'}`;
}

function sizeLimit(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  const bound = issue.exact ? 'exactly' : small ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'string':
      if (small && limit === 1 && !issue.exact) return 'must not be empty';
      return `must be ${bound} ${plural(limit, 'character')} long`;
    case 'array':
    case 'set':
      return `must contain ${bound} ${plural(limit, 'item')}`;
    default:
      if (issue.inclusive === false) return `must be ${small ? 'greater' : 'less'} than ${limit}`;
      return `must be ${bound} ${limit}`;
  }
}

/** What is wrong, as the predicate of a sentence whose subject is the field. */
function describe(issue: z.core.$ZodIssue): string {
  if (/^(?:must|is) /.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      // zod leaves the input out of issues; its default message still says what arrived.
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return 'is required';
      const expected = ARTICLE_TYPES[issue.expected] ?? issue.expected;
      return received === undefined ? `must be ${expected}` : `must be ${expected}, not ${received}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
    case 'too_big':
      return sizeLimit(issue);
    case 'invalid_format':
      if (issue.format === 'email') return 'must be a valid email address';
      if (issue.format === 'regex') return `must match the pattern ${issue.pattern ?? ''}`.trimEnd();
      return `must be a valid ${issue.format}`;
    case 'invalid_union':
      if (issue.discriminator !== undefined && 'options' in issue && issue.options !== undefined) {
        return `must be one of ${issue.options.map((option) => JSON.stringify(option)).join(', ')}`;
      }
      return 'does not match any of the accepted forms';
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return `is invalid: ${issue.message}`;
  }
}

/**
 * Flattens a zod error into one issue per offending field, for 400 answers and update-validator rejections.
 * Unknown keys get one issue each, at the key's own path, so a typo is named where it was made.
 */
export function formatIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const keyPath = path === '' ? key : `${path}.${key}`;
        return { path: keyPath, message: `${keyPath} is not an accepted field` };
      });
    }
    return [{ path, message: `${path === '' ? 'input' : path} ${describe(issue)}` }];
  });
}
