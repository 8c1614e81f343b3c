import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  consultationCompletedSchema,
  consultationStepSchema,
  documentsStepSchema,
  formatIssues,
  guardianStepSchema,
  hasAllRequiredDocuments,
  isValidDate,
  paymentConfirmationSchema,
  paymentStepSchema,
  programStepSchema,
  STEP_NAMES,
  stepPayloadSchemas,
  stepSubmissionSchema,
  studentCorrectionsSchema,
  studentStepSchema,
  type StepNumber,
} from '../../workflows/enrollment-schemas';

const SHA = 'a'.repeat(64);

const validPayloads = {
  1: {
    guardian: {
      firstName: 'Ana',
      lastName: 'García',
      email: 'ana.garcia@example.com',
      phone: '+1 (512) 555-0142',
      relationship: 'mother',
    },
    address: { line1: '100 Congress Ave', line2: 'Apt 4', city: 'Austin', state: 'TX', postalCode: '78701-1234' },
  },
  2: {
    sportInterests: ['basketball', 'track and field'],
    gradeLevel: '09',
    expectedStartDate: '2026-08-17',
    previousSchool: 'Austin Middle School',
  },
  3: { scheduledAt: '2026-06-01T15:30:00-05:00' },
  4: {
    firstName: 'María José',
    middleName: 'Lucía',
    lastName: 'De La Cruz',
    birthDate: '2012-02-29',
    sex: 'Female',
    hispanicLatinoEthnicity: true,
    races: ['White', 'Black or African American'],
  },
  5: {
    documents: [
      { type: 'birth_certificate', fileName: 'birth.pdf', sha256: SHA },
      { type: 'immunization_record', fileName: 'shots.pdf', sha256: SHA },
      { type: 'proof_of_residence', fileName: 'lease.pdf', sha256: SHA },
    ],
  },
  6: { paymentReference: 'pi_3Nx-42_AbC', amountCents: 25_000 },
} satisfies Record<StepNumber, unknown>;

/** The issues a schema reports for an input; fails the test if the input is accepted. */
function issuesOf(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return formatIssues(result.error);
}

/** A deep copy of a valid payload with one change applied. */
function changed<T>(payload: T, change: (copy: any) => void): unknown {
  const copy = structuredClone(payload);
  change(copy);
  return copy;
}

describe('isValidDate', () => {
  it('accepts real calendar dates, including 29 February of leap years', () => {
    for (const date of ['2025-01-31', '2024-02-29', '2000-02-29', '2025-12-31']) expect(isValidDate(date)).toBe(true);
  });

  it('rejects days that do not exist and strings that are not YYYY-MM-DD', () => {
    for (const date of [
      '2025-02-30',
      '2025-02-29',
      '1900-02-29',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-1-5',
    ]) {
      expect(isValidDate(date), date).toBe(false);
    }
    for (const date of ['2025-01-01T00:00:00Z', '20250101', '']) expect(isValidDate(date), date).toBe(false);
  });
});

describe('step payloads', () => {
  it.each(Object.entries(validPayloads))('step %s accepts a valid payload', (step, payload) => {
    const schema = stepPayloadSchemas[Number(step) as StepNumber];
    expect(schema.safeParse(payload).success).toBe(true);
  });

  it('accepts payloads without their optional fields', () => {
    const { line2: _line2, ...address } = validPayloads[1].address;
    expect(guardianStepSchema.safeParse({ ...validPayloads[1], address }).success).toBe(true);
    const { previousSchool: _previousSchool, ...program } = validPayloads[2];
    expect(programStepSchema.safeParse(program).success).toBe(true);
    const { middleName: _middleName, ...student } = validPayloads[4];
    expect(studentStepSchema.safeParse(student).success).toBe(true);
  });

  it('trims names, so the stored name has no stray spaces', () => {
    const parsed = studentStepSchema.parse({ ...validPayloads[4], firstName: '  Sofía ' });
    expect(parsed.firstName).toBe('Sofía');
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], lastName: '   ' })).toEqual([
      { path: 'lastName', message: 'lastName must not be empty' },
    ]);
  });

  it('names a missing field', () => {
    const input = changed(validPayloads[1], (copy) => delete copy.guardian.email);
    expect(issuesOf(guardianStepSchema, input)).toEqual([
      { path: 'guardian.email', message: 'guardian.email is required' },
    ]);
    expect(issuesOf(consultationStepSchema, {})).toEqual([{ path: 'scheduledAt', message: 'scheduledAt is required' }]);
    const { gradeLevel: _gradeLevel, ...program } = validPayloads[2];
    expect(issuesOf(programStepSchema, program)).toEqual([{ path: 'gradeLevel', message: 'gradeLevel is required' }]);
  });

  it('names a field of the wrong type', () => {
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], hispanicLatinoEthnicity: 'yes' })).toEqual([
      {
        path: 'hispanicLatinoEthnicity',
        message: 'hispanicLatinoEthnicity must be a boolean (true or false), not string',
      },
    ]);
    expect(issuesOf(paymentStepSchema, { ...validPayloads[6], amountCents: '25000' })).toEqual([
      { path: 'amountCents', message: 'amountCents must be a number, not string' },
    ]);
  });

  it('names an unknown enum value and lists the accepted ones', () => {
    const input = changed(validPayloads[1], (copy) => (copy.guardian.relationship = 'aunt'));
    expect(issuesOf(guardianStepSchema, input)).toEqual([
      {
        path: 'guardian.relationship',
        message: 'guardian.relationship must be one of "mother", "father", "guardian", "grandparent", "other"',
      },
    ]);
    const [gradeIssue] = issuesOf(programStepSchema, { ...validPayloads[2], gradeLevel: '9' });
    expect(gradeIssue?.path).toBe('gradeLevel');
    expect(gradeIssue?.message).toMatch(/^gradeLevel must be one of "PK", "KG", "01", .*"12"$/);
  });

  it('names each unknown key at its own path, so a typo is found where it was made', () => {
    const input = changed(validPayloads[1], (copy) => {
      copy.guardian.phnoe = copy.guardian.phone;
      delete copy.guardian.phone;
      copy.notes = 'hello';
    });
    expect(issuesOf(guardianStepSchema, input)).toEqual(
      expect.arrayContaining([
        { path: 'guardian.phone', message: 'guardian.phone is required' },
        { path: 'guardian.phnoe', message: 'guardian.phnoe is not an accepted field' },
        { path: 'notes', message: 'notes is not an accepted field' },
      ]),
    );
  });

  it('rejects dates that do not exist', () => {
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], birthDate: '2025-02-30' })).toEqual([
      { path: 'birthDate', message: 'birthDate must be a real calendar date in the form YYYY-MM-DD' },
    ]);
    expect(issuesOf(programStepSchema, { ...validPayloads[2], expectedStartDate: '17/08/2026' })).toEqual([
      { path: 'expectedStartDate', message: 'expectedStartDate must be a real calendar date in the form YYYY-MM-DD' },
    ]);
  });

  it('rejects a malformed email address', () => {
    const input = changed(validPayloads[1], (copy) => (copy.guardian.email = 'ana.garcia@'));
    expect(issuesOf(guardianStepSchema, input)).toEqual([
      { path: 'guardian.email', message: 'guardian.email must be a valid email address' },
    ]);
  });

  it('checks the guardian address and phone formats', () => {
    const input = changed(validPayloads[1], (copy) => {
      copy.guardian.phone = 'call me';
      copy.address.state = 'tx';
      copy.address.postalCode = '7870';
    });
    expect(issuesOf(guardianStepSchema, input).map((issue) => issue.path)).toEqual([
      'guardian.phone',
      'address.state',
      'address.postalCode',
    ]);
    expect(
      issuesOf(
        guardianStepSchema,
        changed(validPayloads[1], (copy) => (copy.guardian.phone = '(((())))')),
      ),
    ).toHaveLength(1);
  });

  it('names the array item that is wrong or repeated', () => {
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], races: ['White', 'Martian'] })).toEqual([
      expect.objectContaining({
        path: 'races.1',
        message: expect.stringMatching(/^races\.1 must be one of "American/),
      }),
    ]);
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], races: ['Asian', 'White', 'Asian'] })).toEqual([
      { path: 'races.2', message: 'races.2 must not repeat race "Asian"' },
    ]);
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], races: [] })).toEqual([
      { path: 'races', message: 'races must contain at least 1 item' },
    ]);
    expect(issuesOf(programStepSchema, { ...validPayloads[2], sportInterests: ['soccer', 'Soccer'] })).toEqual([
      expect.objectContaining({ path: 'sportInterests.1' }),
    ]);
    expect(issuesOf(programStepSchema, { ...validPayloads[2], sportInterests: [] })[0]?.path).toBe('sportInterests');
  });

  it('accepts the exact DS 5.2 race and sex code values only', () => {
    expect(studentStepSchema.safeParse({ ...validPayloads[4], sex: 'Not Selected' }).success).toBe(true);
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], sex: 'female' })[0]?.path).toBe('sex');
    expect(issuesOf(studentStepSchema, { ...validPayloads[4], races: ['white'] })[0]?.path).toBe('races.0');
  });

  it('requires a time-zone offset on the consultation time', () => {
    expect(consultationStepSchema.safeParse({ scheduledAt: '2026-06-01T20:30:00Z' }).success).toBe(true);
    expect(issuesOf(consultationStepSchema, { scheduledAt: '2026-06-01T15:30:00' })).toEqual([
      expect.objectContaining({
        path: 'scheduledAt',
        message: expect.stringMatching(/^scheduledAt must be an ISO 8601/),
      }),
    ]);
  });

  it('checks documents item by item', () => {
    const input = changed(validPayloads[5], (copy) => {
      copy.documents[1].sha256 = 'A'.repeat(64);
      copy.documents[2].type = 'passport';
    });
    expect(issuesOf(documentsStepSchema, input).map((issue) => issue.path)).toEqual([
      'documents.1.sha256',
      'documents.2.type',
    ]);
    expect(issuesOf(documentsStepSchema, { documents: [] })).toEqual([
      { path: 'documents', message: 'documents must contain at least 1 item' },
    ]);
  });

  it('bounds the payment amount and reference', () => {
    expect(issuesOf(paymentStepSchema, { ...validPayloads[6], amountCents: 0 })).toEqual([
      { path: 'amountCents', message: 'amountCents must be greater than 0' },
    ]);
    expect(issuesOf(paymentStepSchema, { ...validPayloads[6], amountCents: 10_000_001 })).toEqual([
      { path: 'amountCents', message: 'amountCents must be at most 10000000' },
    ]);
    expect(issuesOf(paymentStepSchema, { ...validPayloads[6], amountCents: 12.5 })[0]?.path).toBe('amountCents');
    expect(issuesOf(paymentStepSchema, { ...validPayloads[6], paymentReference: 'ref 1' })[0]?.path).toBe(
      'paymentReference',
    );
  });

  it('names the whole input when it is not an object', () => {
    expect(issuesOf(paymentStepSchema, 'pay')).toEqual([{ path: '', message: 'input must be an object, not string' }]);
  });
});

describe('hasAllRequiredDocuments', () => {
  it('needs a birth certificate, an immunization record and a proof of residence', () => {
    expect(hasAllRequiredDocuments(validPayloads[5].documents as { type: 'birth_certificate' }[])).toBe(true);
    expect(hasAllRequiredDocuments([{ type: 'birth_certificate' }, { type: 'prior_school_records' }])).toBe(false);
    expect(hasAllRequiredDocuments([])).toBe(false);
  });
});

describe('stepSubmissionSchema', () => {
  it('validates the data against the schema of the named step', () => {
    for (const [step, data] of Object.entries(validPayloads)) {
      expect(stepSubmissionSchema.safeParse({ step: Number(step), data }).success, `step ${step}`).toBe(true);
    }
    expect(issuesOf(stepSubmissionSchema, { step: 6, data: validPayloads[1] })[0]?.path).toMatch(/^data\./);
  });

  it('names the field inside data', () => {
    const data = changed(validPayloads[1], (copy) => (copy.guardian.email = 'nope'));
    expect(issuesOf(stepSubmissionSchema, { step: 1, data })).toEqual([
      { path: 'data.guardian.email', message: 'data.guardian.email must be a valid email address' },
    ]);
  });

  it('rejects an unknown step number', () => {
    expect(issuesOf(stepSubmissionSchema, { step: 7, data: {} })).toEqual([
      { path: 'step', message: 'step must be one of 1, 2, 3, 4, 5, 6' },
    ]);
    expect(issuesOf(stepSubmissionSchema, { step: '1', data: validPayloads[1] })[0]?.path).toBe('step');
  });

  it('has a name for every step', () => {
    expect(Object.keys(STEP_NAMES)).toEqual(Object.keys(stepPayloadSchemas));
    expect(STEP_NAMES[4]).toBe('student');
  });
});

describe('other enrollment messages', () => {
  it('accepts a completed consultation with optional notes, and only completed: true', () => {
    expect(consultationCompletedSchema.safeParse({ completed: true, notes: 'Met on Zoom' }).success).toBe(true);
    expect(issuesOf(consultationCompletedSchema, {})).toEqual([
      { path: 'completed', message: 'completed is required' },
    ]);
    expect(issuesOf(consultationCompletedSchema, { completed: false })).toEqual([
      { path: 'completed', message: 'completed must be true' },
    ]);
    expect(issuesOf(consultationCompletedSchema, { completed: true, notes: 'x'.repeat(2001) })).toEqual([
      { path: 'notes', message: 'notes must be at most 2000 characters long' },
    ]);
  });

  it('validates the payment webhook body', () => {
    const body = {
      enrollmentId: 'TSA-ENROLL-20260601-AB12CD',
      paymentReference: 'pi_123',
      amountCents: 25_000,
      status: 'succeeded',
    };
    expect(paymentConfirmationSchema.safeParse(body).success).toBe(true);
    expect(issuesOf(paymentConfirmationSchema, { ...body, status: 'pending' })[0]?.path).toBe('status');
    expect(issuesOf(paymentConfirmationSchema, { ...body, enrollmentId: 'ENROLL-1' })[0]?.path).toBe('enrollmentId');
  });

  it('takes any subset of student fields as corrections, still strict and still validated', () => {
    expect(studentCorrectionsSchema.parse({ birthDate: '2012-03-01' })).toEqual({ birthDate: '2012-03-01' });
    expect(studentCorrectionsSchema.safeParse({}).success).toBe(true);
    expect(issuesOf(studentCorrectionsSchema, { birthdate: '2012-03-01' })).toEqual([
      { path: 'birthdate', message: 'birthdate is not an accepted field' },
    ]);
    expect(issuesOf(studentCorrectionsSchema, { birthDate: '2012-02-30' })[0]?.path).toBe('birthDate');
  });
});
