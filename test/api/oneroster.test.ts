import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../standards/oneroster-api/scopes';
import { bearer, token } from '../helpers/enrollment';
import {
  clientToken,
  createSchool,
  getAs,
  insertCoach,
  ONEROSTER,
  registerClient,
  writeStudent,
  type RegisteredClient,
} from '../helpers/roster';
import { createTestStack, type TestStack } from '../helpers/stack';
import { oneRoster, oneRosterEnvelopes } from '../helpers/standards';

let stack: TestStack;
let client: RegisteredClient;
let rosterToken: string;
let school: Awaited<ReturnType<typeof createSchool>>;

beforeAll(async () => {
  stack = await createTestStack({ startWorker: false });
  client = await registerClient(stack, [SCOPES.rosterReadonly, SCOPES.rosterDemographicsReadonly]);
  rosterToken = await clientToken(stack, client);
  school = await createSchool(stack.db);
});
afterAll(async () => stack?.close());

const get = (url: string, as = rosterToken) => getAs(stack, as, `${ONEROSTER}${url}`);

function expectValid(validate: typeof oneRoster.user, body: unknown) {
  const ok = validate(body);
  expect(validate.errors ?? [], JSON.stringify(body).slice(0, 500)).toEqual([]);
  expect(ok).toBe(true);
}

/** Every page of a collection, walked as a consumer does, by offset. */
async function walk(url: string, limit: number, between?: (page: number) => Promise<void>) {
  const seen: string[] = [];
  for (let offset = 0, page = 0; ; offset += limit, page++) {
    const sep = url.includes('?') ? '&' : '?';
    const res = await get(`${url}${sep}limit=${limit}&offset=${offset}`);
    expect(res.statusCode, res.body).toBe(200);
    const users = res.json().users as { sourcedId: string }[];
    seen.push(...users.map((u) => u.sourcedId));
    if (users.length < limit) return seen;
    await between?.(page);
  }
}

describe('OneRoster users, students and teachers', () => {
  it('serves a student written by the record set, valid against UserDType, with the guardian linked by agents', async () => {
    const written = await writeStudent(stack.db, school.schoolId, { lastName: 'Okafor' });
    const res = await get(`/students/${written.studentSourcedId}`);
    expect(res.statusCode, res.body).toBe(200);
    expectValid(oneRosterEnvelopes.singleUser, res.json());
    const user = res.json().user;
    expect(user).toMatchObject({
      sourcedId: written.studentSourcedId,
      status: 'active',
      familyName: 'Okafor',
      identifier: written.studentUniqueId,
      roles: [{ roleType: 'primary', role: 'student', org: { sourcedId: school.orgSourcedId, type: 'org' } }],
      agents: [{ sourcedId: written.guardianSourcedId, type: 'user' }],
    });

    const guardian = await get(`/users/${written.guardianSourcedId}`);
    expectValid(oneRosterEnvelopes.singleUser, guardian.json());
    expect(guardian.json().user.agents.map((a: { sourcedId: string }) => a.sourcedId)).toEqual([
      written.studentSourcedId,
    ]);
  });

  it('lists the school’s students and its onboarded coach as teachers, and nobody else’s', async () => {
    const own = await createSchool(stack.db);
    const a = await writeStudent(stack.db, own.schoolId);
    const b = await writeStudent(stack.db, own.schoolId);
    const coach = await insertCoach(stack.db, own.orgSourcedId);
    await writeStudent(stack.db, school.schoolId);

    const students = await get(`/schools/${own.orgSourcedId}/students`);
    expect(students.statusCode, students.body).toBe(200);
    expectValid(oneRosterEnvelopes.userSet, students.json());
    expect(students.json().users.map((u: { sourcedId: string }) => u.sourcedId)).toEqual([
      a.studentSourcedId,
      b.studentSourcedId,
    ]);
    expect(students.headers['x-total-count']).toBe('2');

    const teachers = await get(`/schools/${own.orgSourcedId}/teachers`);
    expectValid(oneRosterEnvelopes.userSet, teachers.json());
    expect(teachers.json().users).toHaveLength(1);
    expect(teachers.json().users[0]).toMatchObject({
      sourcedId: coach,
      roles: [{ role: 'teacher', org: { sourcedId: own.orgSourcedId } }],
    });
    const teacher = await get(`/teachers/${coach}`);
    expect(teacher.statusCode).toBe(200);
    const notTeacher = await get(`/teachers/${a.studentSourcedId}`);
    expect(notTeacher.statusCode).toBe(404);
    expectValid(oneRosterEnvelopes.statusInfo, notTeacher.json());
    expect(notTeacher.json().imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('unknownobject');
  });

  it('marks a withdrawn student tobedeleted', async () => {
    const withdrawn = await writeStudent(stack.db, school.schoolId, {
      withdrawal: { date: '2026-09-15', kind: 'cancelled', reason: 'moved away' },
    });
    const res = await get(`/users/${withdrawn.studentSourcedId}`);
    expectValid(oneRosterEnvelopes.singleUser, res.json());
    expect(res.json().user).toMatchObject({ status: 'tobedeleted', enabledUser: 'false' });
  });
});

describe('OneRoster orgs, demographics, academic sessions', () => {
  it('serves the network and its schools as orgs, valid against OrgDType', async () => {
    const orgs = await get(`/orgs?filter=${encodeURIComponent("sourcedId='tsa-network'")}`);
    expect(orgs.statusCode, orgs.body).toBe(200);
    expectValid(oneRosterEnvelopes.orgSet, orgs.json());
    const network = orgs.json().orgs[0];
    expect(network).toMatchObject({ sourcedId: 'tsa-network', type: 'district' });
    expect(network.children.map((c: { sourcedId: string }) => c.sourcedId)).toContain(school.orgSourcedId);

    const one = await get(`/schools/${school.orgSourcedId}`);
    expectValid(oneRosterEnvelopes.singleOrg, one.json());
    expect(one.json().org).toMatchObject({ name: school.name, type: 'school', parent: { sourcedId: 'tsa-network' } });
    const schools = await get('/schools?limit=1000');
    expectValid(oneRosterEnvelopes.orgSet, schools.json());
    expect(schools.json().orgs.every((o: { type: string }) => o.type === 'school')).toBe(true);
  });

  it('serves demographics from the student’s sex, races and ethnicity', async () => {
    const written = await writeStudent(stack.db, school.schoolId, {
      sex: 'Non-binary',
      races: ['Asian', 'White'],
      hispanicLatinoEthnicity: false,
    });
    const res = await get(`/demographics/${written.studentSourcedId}`);
    expect(res.statusCode, res.body).toBe(200);
    expectValid(oneRosterEnvelopes.singleDemographics, res.json());
    expect(res.json().demographics).toMatchObject({
      birthDate: '2012-03-14',
      sex: 'other',
      asian: 'true',
      white: 'true',
      blackOrAfricanAmerican: 'false',
      demographicRaceTwoOrMoreRaces: 'true',
      hispanicOrLatinoEthnicity: 'false',
    });
    const list = await get('/demographics?limit=5');
    expectValid(oneRosterEnvelopes.demographicsSet, list.json());
  });

  it('serves the school years students are enrolled for as academic sessions', async () => {
    await writeStudent(stack.db, school.schoolId);
    const res = await get('/academicSessions');
    expect(res.statusCode, res.body).toBe(200);
    expectValid(oneRosterEnvelopes.academicSessionSet, res.json());
    expect(res.json().academicSessions).toContainEqual(
      expect.objectContaining({
        sourcedId: 'school-year-2027',
        title: '2026-2027',
        type: 'schoolYear',
        schoolYear: '2027',
      }),
    );
    const one = await get('/academicSessions/school-year-2027');
    expectValid(oneRosterEnvelopes.singleAcademicSession, one.json());
  });

  it('answers objects it does not hold as empty collections, and their single objects as unknownobject', async () => {
    for (const [path, validate] of [
      ['/classes', oneRosterEnvelopes.classSet],
      ['/courses', oneRosterEnvelopes.courseSet],
      ['/enrollments', oneRosterEnvelopes.enrollmentSet],
      ['/gradingPeriods', oneRosterEnvelopes.academicSessionSet],
      [`/schools/${school.orgSourcedId}/classes`, oneRosterEnvelopes.classSet],
    ] as const) {
      const res = await get(path);
      expect(res.statusCode, path).toBe(200);
      expectValid(validate, res.json());
      expect(res.headers['x-total-count']).toBe('0');
    }
    const one = await get('/classes/some-class');
    expect(one.statusCode).toBe(404);
    expectValid(oneRosterEnvelopes.statusInfo, one.json());
  });
});

describe('OneRoster authorisation', () => {
  it('refuses a request without a token, a staff or parent token, and a revoked client (401)', async () => {
    const none = await stack.app.inject({ method: 'GET', url: `${ONEROSTER}/users` });
    expect(none.statusCode).toBe(401);
    expectValid(oneRosterEnvelopes.statusInfo, none.json());
    expect(none.json().imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('unauthorisedrequest');

    for (const role of ['ops', 'parent'] as const) {
      const staff = await stack.app.inject({
        method: 'GET',
        url: `${ONEROSTER}/users`,
        headers: bearer(token(stack, { role, enrollmentId: 'TSA-ENROLL-20260901-AAAAAA' })),
      });
      expect(staff.statusCode, role).toBe(401);
    }

    const doomed = await registerClient(stack, [SCOPES.rosterReadonly]);
    const doomedToken = await clientToken(stack, doomed);
    expect((await get('/orgs', doomedToken)).statusCode).toBe(200);
    const revoke = await stack.app.inject({
      method: 'POST',
      url: `/v1/ops/api-clients/${doomed.clientId}/revoke`,
      headers: bearer(token(stack, { role: 'ops' })),
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect((await get('/orgs', doomedToken)).statusCode).toBe(401);
    const again = await stack.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${doomed.clientId}:${doomed.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    expect(again.statusCode).toBe(401);
    expect(again.json().error).toBe('invalid_client');
  });

  it('serves demographics only with the demographics scope (403 otherwise), and roster reads with roster-core', async () => {
    const core = await registerClient(stack, [SCOPES.rosterCoreReadonly]);
    const coreToken = await clientToken(stack, core);
    expect((await get('/users?limit=1', coreToken)).statusCode).toBe(200);
    const demographics = await get('/demographics', coreToken);
    expect(demographics.statusCode).toBe(403);
    expectValid(oneRosterEnvelopes.statusInfo, demographics.json());
    expect(demographics.json().imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue).toBe('forbidden');
    // The OpenAPI gives the school sub-collections to roster.readonly alone.
    expect((await get(`/schools/${school.orgSourcedId}/students`, coreToken)).statusCode).toBe(403);

    const onlyDemographics = await clientToken(stack, client, SCOPES.rosterDemographicsReadonly);
    expect((await get('/demographics?limit=1', onlyDemographics)).statusCode).toBe(200);
    expect((await get('/users?limit=1', onlyDemographics)).statusCode).toBe(403);
  });

  it('writes every client read to the audit log under the client id', async () => {
    const res = await get('/orgs?limit=2');
    expect(res.statusCode).toBe(200);
    const rows = await stack.db
      .selectFrom('audit_log')
      .selectAll()
      .where('actor', '=', client.clientId)
      .where('action', '=', `GET ${ONEROSTER}/orgs`)
      .execute();
    expect(rows[0]).toMatchObject({ role: 'api_client', outcome: '200' });
  });
});
