/** Valid answers to steps 1–6, as a parent sends them: the pure tests and the API tests share them. */
export const payloads = {
  1: {
    guardian: {
      firstName: 'Maria',
      lastName: 'Lopez',
      email: 'maria.lopez@example.com',
      phone: '+1 512-555-0142',
      relationship: 'mother',
    },
    address: { line1: '100 Congress Ave', city: 'Austin', state: 'TX', postalCode: '78701' },
  },
  2: {
    sportInterests: ['basketball', 'soccer'],
    gradeLevel: '09',
    expectedStartDate: '2026-08-17',
    previousSchool: 'Austin Middle School',
  },
  3: { scheduledAt: '2026-12-01T15:00:00-06:00' },
  4: {
    firstName: 'Sofia',
    middleName: 'Ana',
    lastName: 'Lopez',
    birthDate: '2012-03-14',
    sex: 'Female',
    hispanicLatinoEthnicity: true,
    races: ['White', 'American Indian or Alaska Native'],
  },
  5: {
    documents: [
      { type: 'birth_certificate', fileName: 'birth.pdf', sha256: 'a'.repeat(64) },
      { type: 'immunization_record', fileName: 'shots.pdf', sha256: 'b'.repeat(64) },
      { type: 'proof_of_residence', fileName: 'lease.pdf', sha256: 'c'.repeat(64) },
    ],
  },
  6: { paymentReference: 'pay_12345', amountCents: 25_000 },
} as const;
