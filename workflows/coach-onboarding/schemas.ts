/**
 * The coach onboarding's message payloads as zod schemas: the API validates request bodies with them and the
 * workflow's update validators validate the same messages again. Bundled into workflow code: zod only, no clock.
 * Every object is strict, so a misspelt field is named instead of silently dropped.
 */
import { z } from 'zod';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` naming a day that exists. */
export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const calendarDate = z
  .string()
  .refine(isCalendarDate, { error: 'must be a real calendar date in the form YYYY-MM-DD' });
const text = (max: number) => z.string().trim().min(1).max(max);
const personName = text(75);
const sport = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9]+(?:[ -][a-z0-9]+)*$/, { error: 'must be a lowercase sport name, e.g. "basketball"' });

function distinct<T extends z.ZodType>(item: T, what: string) {
  return z.array(item).superRefine((items, ctx) => {
    const seen = new Set<unknown>();
    items.forEach((value, index) => {
      if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [index], message: `must not repeat ${what}` });
      seen.add(value);
    });
  });
}

export const signUpSchema = z.strictObject({
  firstName: personName,
  lastName: personName,
  email: z.email().max(254),
  phone: z.string().regex(/^(?=(?:\D*\d){7})[0-9 +()-]{7,20}$/, {
    error: 'must be a phone number: 7–20 digits, spaces, +, - or parentheses',
  }),
});
export type CoachSignUp = z.infer<typeof signUpSchema>;

export const profileStepSchema = z.strictObject({
  sportSpecialties: distinct(sport, 'a sport').min(1).max(10),
  locationPreferences: distinct(text(100), 'a location').min(1).max(10),
  capacity: z.number().int().min(1).max(200),
  bio: text(2000).optional(),
});

export const businessStepSchema = z.strictObject({
  llcName: text(200),
  ein: z
    .string()
    .regex(/^\d{2}-\d{7}$/, { error: 'must be an EIN in the form NN-NNNNNNN' })
    .refine((ein) => !ein.startsWith('00-'), { error: 'must not start with 00 (no such IRS prefix)' }),
  insuranceProvider: text(200),
  policyNumber: text(100),
  /** Strictly after the day the step is accepted: checked against workflow time by the state functions. */
  insuranceExpiry: calendarDate,
});

export const backgroundCheckStepSchema = z.strictObject({
  consent: z.literal(true, { error: 'must be true: the check needs your consent' }),
  legalFirstName: personName,
  legalLastName: personName,
  birthDate: calendarDate,
  ssnLast4: z.string().regex(/^\d{4}$/, { error: 'must be the last four digits of the SSN' }),
});

export const quizStepSchema = z.strictObject({
  attemptId: z.string().min(1).max(100),
  answers: z
    .array(z.strictObject({ questionId: z.string().min(1).max(20), choiceId: z.string().min(1).max(20) }))
    .min(1)
    .max(50),
});

export const GRADES = ['PK', 'KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'] as const;

export const schoolStepSchema = z.strictObject({
  schoolName: text(200),
  address: z.strictObject({
    line1: text(150),
    line2: text(150).optional(),
    city: text(100),
    state: z.string().regex(/^[A-Z]{2}$/, { error: 'must be a two-letter uppercase state code, e.g. "TX"' }),
    postalCode: z.string().regex(/^\d{5}(?:-\d{4})?$/, { error: 'must be a US ZIP code: 12345 or 12345-6789' }),
  }),
  gradesServed: distinct(z.enum(GRADES), 'a grade').min(1).max(GRADES.length),
  sports: distinct(sport, 'a sport').min(1).max(10),
  /** When the coach aims to open; 90 days after this step when absent. */
  targetLaunchDate: calendarDate.optional(),
});

export type ProfileStep = z.infer<typeof profileStepSchema>;
export type BusinessStep = z.infer<typeof businessStepSchema>;
export type BackgroundCheckStep = z.infer<typeof backgroundCheckStepSchema>;
export type QuizStep = z.infer<typeof quizStepSchema>;
export type SchoolStep = z.infer<typeof schoolStepSchema>;

export type CoachStepNumber = 1 | 2 | 3 | 4 | 5;
export const COACH_STEP_NAMES = {
  1: 'profile',
  2: 'business',
  3: 'background_check',
  4: 'training_quiz',
  5: 'school',
} as const satisfies Record<CoachStepNumber, string>;

export const coachStepSchemas = {
  1: profileStepSchema,
  2: businessStepSchema,
  3: backgroundCheckStepSchema,
  4: quizStepSchema,
  5: schoolStepSchema,
} as const;

export const coachStepSubmissionSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal(1), data: profileStepSchema }),
  z.object({ step: z.literal(2), data: businessStepSchema }),
  z.object({ step: z.literal(3), data: backgroundCheckStepSchema }),
  z.object({ step: z.literal(4), data: quizStepSchema }),
  z.object({ step: z.literal(5), data: schoolStepSchema }),
]);
export type CoachStepSubmission = z.infer<typeof coachStepSubmissionSchema>;

export const backgroundCheckReviewSchema = z.strictObject({
  decision: z.enum(['passed', 'failed']),
  reason: text(500),
});

export const backgroundCheckRerequestSchema = z.strictObject({ reason: text(500) });

/** A report as the provider's webhooks carry it (Checkr's `report` object, the fields this product reads). */
export const providerReportSchema = z.object({
  id: z.string().min(1).max(100),
  object: z.literal('report'),
  status: z.enum(['pending', 'complete', 'suspended', 'dispute', 'canceled']),
  result: z.enum(['clear', 'consider']).nullable().optional(),
  adjudication: z.enum(['engaged', 'pre_adverse_action', 'post_adverse_action']).nullable().optional(),
  candidate_id: z.string().min(1).max(100),
});

/** Checkr's `invitation` object (the candidate filled in the hosted form). */
export const providerInvitationSchema = z.object({
  id: z.string().min(1).max(100),
  object: z.literal('invitation'),
  status: z.string().max(40),
  candidate_id: z.string().min(1).max(100),
  report_id: z.string().max(100).nullable().optional(),
});

export const webhookEventSchema = z.object({
  id: z.string().min(1).max(100),
  object: z.literal('event'),
  type: z.string().min(1).max(100),
  created_at: z.iso.datetime({ offset: true }),
  data: z.object({ object: z.discriminatedUnion('object', [providerReportSchema, providerInvitationSchema]) }),
});
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

export interface FieldIssue {
  path: string;
  message: string;
}

export function formatIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'is not an accepted field' }));
    }
    return [{ path: path.join('.'), message: issue.message }];
  });
}
