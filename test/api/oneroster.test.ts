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

const codeMinor = (body: { imsx_CodeMinor: { imsx_codeMinorField: { imsx_codeMinorFieldValue: string }[] } }) =>
  body.imsx_CodeMinor.imsx_codeMinorField[0]!.imsx_codeMinorFieldValue;

describe('OneRoster paging', () => {
  let own: Awaited<ReturnType<typeof createSchool>>;
  let ids: string[];
  const students = (query: string) => get(`/schools/${own.orgSourcedId}/students?${query}`);

  beforeAll(async () => {
    own = await createSchool(stack.db);
    ids = [];
    for (let i = 0; i < 5; i++) ids.push((await writeStudent(stack.db, own.schoolId)).studentSourcedId);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=1e2', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=2&limit=3', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=abc', 'offset'],
    ['orderBy=up', 'orderBy'],
    ['page=2', 'page'],
  ])('refuses %s with 400 invaliddata naming %s', async (query, name) => {
    const res = await students(query);
    expect(res.statusCode).toBe(400);
    expectValid(oneRosterEnvelopes.statusInfo, res.json());
    expect(codeMinor(res.json())).toBe('invaliddata');
    expect(res.json().imsx_description).toContain(name);
  });

  it('clamps an oversized limit to 1000 and says so in the Link header', async () => {
    const res = await students('limit=100000');
    expect(res.statusCode).toBe(200);
    expect(res.json().users).toHaveLength(5);
    expect(res.headers.link).toContain('limit=1000');
  });

  it('answers first and second pages, Link and X-Total-Count, and an empty page past the end', async () => {
    const first = await students('limit=2');
    const second = await students('limit=2&offset=2');
    expect(first.json().users.map((u: { sourcedId: string }) => u.sourcedId)).toEqual(ids.slice(0, 2));
    expect(second.json().users.map((u: { sourcedId: string }) => u.sourcedId)).toEqual(ids.slice(2, 4));
    expect(second.headers['x-total-count']).toBe('5');
    const link = String(second.headers.link);
    expect(link).toMatch(/offset=0>; rel="first"/);
    expect(link).toMatch(/offset=0>; rel="prev"/);
    expect(link).toMatch(/offset=4>; rel="next"/);
    expect(link).toMatch(/offset=4>; rel="last"/);

    const past = await students('limit=2&offset=50');
    expect(past.statusCode).toBe(200);
    expect(past.json()).toEqual({ users: [] });
    expect(past.headers['x-total-count']).toBe('5');
  });

  it('returns every record exactly once when paging while records are added', async () => {
    const school = await createSchool(stack.db);
    const before: string[] = [];
    for (let i = 0; i < 4; i++) before.push((await writeStudent(stack.db, school.schoolId)).studentSourcedId);
    const added: string[] = [];
    const seen = await walk(`/schools/${school.orgSourcedId}/students`, 2, async () => {
      added.push((await writeStudent(stack.db, school.schoolId)).studentSourcedId);
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 4)).toEqual(before);
    for (const id of before) expect(seen).toContain(id);
  });

  it('sorts by a field in either order and refuses an unknown sort field', async () => {
    const school = await createSchool(stack.db);
    for (const lastName of ['Bravo', 'Alpha', 'Charlie']) await writeStudent(stack.db, school.schoolId, { lastName });
    const desc = await get(`/schools/${school.orgSourcedId}/students?sort=familyName&orderBy=desc`);
    expect(desc.json().users.map((u: { familyName: string }) => u.familyName)).toEqual(['Charlie', 'Bravo', 'Alpha']);
    const asc = await get(`/schools/${school.orgSourcedId}/students?sort=familyName`);
    expect(asc.json().users.map((u: { familyName: string }) => u.familyName)).toEqual(['Alpha', 'Bravo', 'Charlie']);
    const bad = await students('sort=shoeSize');
    expect(bad.statusCode).toBe(400);
    expect(codeMinor(bad.json())).toBe('invalid_selection_field');
  });

  it('selects fields, and refuses an unknown one with invalid_selection_field', async () => {
    const res = await students('fields=sourcedId,familyName&limit=1');
    expect(res.json().users[0]).toEqual({ sourcedId: ids[0], familyName: 'Lopez' });
    const one = await get(`/users/${ids[0]}?fields=givenName`);
    expect(one.json()).toEqual({ user: { givenName: 'Sofia' } });
    const bad = await students('fields=sourcedId,favouriteColour');
    expect(bad.statusCode).toBe(400);
    expectValid(oneRosterEnvelopes.statusInfo, bad.json());
    expect(codeMinor(bad.json())).toBe('invalid_selection_field');
  });
});

describe('OneRoster filter', () => {
  let own: Awaited<ReturnType<typeof createSchool>>;
  const names = ['Okafor', 'Tokarev', "O'Neil", "Robert'); DROP TABLE users;--", '100%_Real', 'okapi'];
  const byName: Record<string, string> = {};
  const filtered = async (filter: string) => {
    const res = await get(`/schools/${own.orgSourcedId}/students?filter=${encodeURIComponent(filter)}&sort=familyName`);
    expect(res.statusCode, res.body).toBe(200);
    expectValid(oneRosterEnvelopes.userSet, res.json());
    return (res.json().users as { familyName: string }[]).map((u) => u.familyName);
  };

  beforeAll(async () => {
    own = await createSchool(stack.db);
    for (const lastName of names)
      byName[lastName] = (await writeStudent(stack.db, own.schoolId, { lastName })).studentSourcedId;
  });

  it('applies each comparison operator', async () => {
    expect(await filtered("familyName='Okafor'")).toEqual(['Okafor']);
    expect(await filtered("familyName!='Okafor'")).not.toContain('Okafor');
    expect((await filtered("familyName!='Okafor'")).length).toBe(names.length - 1);
    const sorted = [...names].sort((a, b) => (a < b ? -1 : 1));
    const collated = await filtered("familyName>=''");
    expect(collated).toHaveLength(names.length);
    const pivot = collated[2]!;
    expect(await filtered(`familyName>'${pivot.replace(/'/g, "''")}'`)).toEqual(collated.slice(3));
    expect(await filtered(`familyName>='${pivot.replace(/'/g, "''")}'`)).toEqual(collated.slice(2));
    expect(await filtered(`familyName<'${pivot.replace(/'/g, "''")}'`)).toEqual(collated.slice(0, 2));
    expect(await filtered(`familyName<='${pivot.replace(/'/g, "''")}'`)).toEqual(collated.slice(0, 3));
    expect(sorted).toHaveLength(collated.length);
  });

  it('matches ~ as contains, case-insensitively, with % and _ taken literally', async () => {
    expect(await filtered("familyName~'oka'")).toEqual(expect.arrayContaining(['Okafor', 'okapi', 'Tokarev']));
    expect((await filtered("familyName~'oka'")).length).toBe(3);
    expect(await filtered("familyName~'%_'")).toEqual(['100%_Real']);
    expect(await filtered("familyName~'_'")).toEqual(['100%_Real']);
  });

  it('combines predicates with AND and OR (AND binds tighter)', async () => {
    expect(await filtered("status='active' AND familyName~'oka'")).toHaveLength(3);
    expect(await filtered("familyName='Okafor' OR familyName='okapi'")).toEqual(['Okafor', 'okapi']);
    expect(await filtered("familyName='Okafor' OR familyName='okapi' AND status='tobedeleted'")).toEqual(['Okafor']);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    expect(await filtered(`dateLastModified>'${since}' AND familyName='Tokarev'`)).toEqual(['Tokarev']);
    expect(await filtered(`dateLastModified<'${since}'`)).toEqual([]);
  });

  it('reads a doubled quote as a quote, and matches injection attempts literally', async () => {
    expect(await filtered("familyName='O''Neil'")).toEqual(["O'Neil"]);
    expect(await filtered("familyName='Robert''); DROP TABLE users;--'")).toEqual(["Robert'); DROP TABLE users;--"]);
    expect(await filtered("familyName~'; DROP'")).toEqual(["Robert'); DROP TABLE users;--"]);
    const tautology = await students(`filter=${encodeURIComponent("familyName='x' OR '1'='1'")}`);
    expect(tautology.statusCode).toBe(400);
    expect(codeMinor(tautology.json())).toBe('invalid_filter_field');
    // The table is still there, with everyone in it.
    expect(await filtered("familyName>=''")).toHaveLength(names.length);
  });

  it.each([
    ["shoeSize='42'", 'shoeSize'],
    ["familyName='unterminated", 'closing quote'],
    ['familyName=Okafor', 'single quotes'],
    ["familyName=='Okafor'", 'single quotes'],
    ["familyName='Okafor' and status='active'", 'AND'],
    ["dateLastModified>'yesterday'", 'dateLastModified'],
    ["enabledUser='maybe'", 'enabledUser'],
    ['', 'field name'],
  ])('refuses the filter %s with invalid_filter_field (%s)', async (filter, mention) => {
    const res = await students(`filter=${encodeURIComponent(filter)}`);
    expect(res.statusCode).toBe(400);
    expectValid(oneRosterEnvelopes.statusInfo, res.json());
    expect(codeMinor(res.json())).toBe('invalid_filter_field');
    expect(res.json().imsx_description).toContain(mention);
  });

  const students = (query: string) => get(`/schools/${own.orgSourcedId}/students?${query}`);
});
