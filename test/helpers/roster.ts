import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import { writeStudentRecordSet } from '../../db/repositories/student-records';
import type { Database } from '../../db/schema';
import type { StudentRecordSetInput } from '../../domain/enrollment';
import { bearer, token } from './enrollment';
import { payloads } from './payloads';
import type { TestStack } from './stack';

export const ONEROSTER = '/ims/oneroster/rostering/v1p2';

/** A microschool of this test's own, so its rosters hold only what the test wrote. */
export async function createSchool(db: Kysely<Database>, name = `Test School ${randomUUID().slice(0, 8)}`) {
  const { rows } = await sql<{ id: number }>`select nextval('school_id_seq')::int as id`.execute(db);
  const schoolId = rows[0]!.id;
  const orgSourcedId = `school-${schoolId}`;
  await db
    .insertInto('orgs')
    .values({
      sourced_id: orgSourcedId,
      name,
      type: 'school',
      identifier: String(schoolId),
      parent_sourced_id: 'tsa-network',
    })
    .execute();
  await db
    .insertInto('schools')
    .values({ school_id: schoolId, org_sourced_id: orgSourcedId, name_of_institution: name })
    .execute();
  return { schoolId, orgSourcedId, name };
}

export interface StudentOptions {
  firstName?: string;
  lastName?: string;
  sex?: 'Female' | 'Male' | 'Non-binary' | 'Not Selected';
  races?: string[];
  hispanicLatinoEthnicity?: boolean;
  guardianEmail?: string;
  relationship?: 'mother' | 'father' | 'guardian' | 'grandparent' | 'other';
  withdrawal?: StudentRecordSetInput['withdrawal'];
}

/** A student record set written as the enrollment workflow writes it (the repository, one transaction). */
export async function writeStudent(db: Kysely<Database>, schoolId: number, options: StudentOptions = {}) {
  const tag = randomBytes(4).toString('hex').toUpperCase().slice(0, 6);
  const input: StudentRecordSetInput = {
    enrollmentId: `TSA-ENROLL-20260901-${tag}`,
    invitationId: `INV-${tag}`,
    coachId: null,
    schoolId,
    studentUniqueId: `TSA-STU-20260901-${tag}`,
    guardian: {
      ...payloads[1],
      guardian: {
        ...payloads[1].guardian,
        email: options.guardianEmail ?? `guardian-${tag.toLowerCase()}@example.com`,
        relationship: options.relationship ?? 'mother',
      },
    },
    program: { ...payloads[2], sportInterests: [...payloads[2].sportInterests] },
    student: {
      ...payloads[4],
      firstName: options.firstName ?? payloads[4].firstName,
      lastName: options.lastName ?? payloads[4].lastName,
      sex: options.sex ?? payloads[4].sex,
      hispanicLatinoEthnicity: options.hispanicLatinoEthnicity ?? payloads[4].hispanicLatinoEthnicity,
      races: (options.races ?? [...payloads[4].races]) as StudentRecordSetInput['student']['races'],
    },
    entryDate: '2026-09-01',
    enrollmentStatus: options.withdrawal ? 'withdrawn' : 'registered',
    consultationCompleted: true,
    documentsComplete: false,
    depositPaid: false,
    enrollmentCompletedDate: null,
    withdrawal: options.withdrawal ?? null,
    version: 1,
  };
  const written = await db.transaction().execute((trx) => writeStudentRecordSet(trx, input));
  return { ...written, input };
}

/** An onboarded coach as coach onboarding leaves it: an active teacher user, head coach of its school. */
export async function insertCoach(db: Kysely<Database>, orgSourcedId: string, familyName = 'Coach') {
  const sourcedId = `coach-user-${randomUUID().slice(0, 8)}`;
  await db
    .insertInto('users')
    .values({
      sourced_id: sourcedId,
      given_name: 'Casey',
      family_name: familyName,
      role: 'teacher',
      email: `${sourcedId}@example.com`,
    })
    .execute();
  await db
    .insertInto('user_org_associations')
    .values({ user_sourced_id: sourcedId, org_sourced_id: orgSourcedId, role: 'head_coach' })
    .execute();
  return sourcedId;
}

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

export async function registerClient(stack: TestStack, scopes?: string[]): Promise<RegisteredClient> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/v1/ops/api-clients',
    headers: bearer(token(stack, { role: 'ops', sub: 'ops-roster' })),
    payload: { name: `test client ${randomUUID().slice(0, 8)}`, ...(scopes ? { scopes } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export const basic = (client: { clientId: string; clientSecret: string }) =>
  `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;

export async function clientToken(stack: TestStack, client: RegisteredClient, scope?: string): Promise<string> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access_token;
}

export function getAs(stack: TestStack, accessToken: string, url: string) {
  return stack.app.inject({ method: 'GET', url, headers: bearer(accessToken) });
}
