import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../standards/oneroster-api/scopes';
import { clientToken, createSchool, getAs, registerClient, writeStudent } from '../helpers/roster';
import { createTestStack, type TestStack } from '../helpers/stack';
import { edFiServed, knownDescriptors } from '../helpers/standards';

let stack: TestStack;
let edfiToken: string;
let school: Awaited<ReturnType<typeof createSchool>>;

beforeAll(async () => {
  stack = await createTestStack({ startWorker: false });
  edfiToken = await clientToken(stack, await registerClient(stack, [SCOPES.edfiReadonly]));
  school = await createSchool(stack.db);
});
afterAll(async () => stack?.close());

const get = (url: string, as = edfiToken) => getAs(stack, as, url);
const data = (path: string) => get(`/data/v3/ed-fi${path}`);

/** The body without the API's own `id`: what the DS 5.2 insert schema describes. */
function expectResource(validate: typeof edFiServed.student, resource: Record<string, unknown>) {
  const { id, ...body } = resource;
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const ok = validate(body);
  expect(validate.errors ?? [], JSON.stringify(body)).toEqual([]);
  expect(ok).toBe(true);
  const descriptors = JSON.stringify(body).match(/uri:\/\/ed-fi\.org\/[^"]+/g) ?? [];
  for (const d of descriptors) {
    if (/(GradeLevel|Sex|Race|EntryType|ExitWithdrawType|Relation)Descriptor#/.test(d))
      expect(knownDescriptors).toContain(d);
  }
}

describe('Ed-Fi resources', () => {
  it('serves the six resources of a record set by natural key, each valid against its DS 5.2 schema', async () => {
    const written = await writeStudent(stack.db, school.schoolId, { relationship: 'father' });
    const id = written.studentUniqueId;

    const [student] = (await data(`/students?studentUniqueId=${id}`)).json();
    expectResource(edFiServed.student, student);
    expect(student).toMatchObject({ studentUniqueId: id, firstName: 'Sofia', lastSurname: 'Lopez' });

    const ssa = await data(
      `/studentSchoolAssociations?schoolId=${school.schoolId}&entryDate=2026-09-01&studentUniqueId=${id}`,
    );
    expect(ssa.statusCode, ssa.body).toBe(200);
    expect(ssa.json()).toHaveLength(1);
    expectResource(edFiServed.studentSchoolAssociation, ssa.json()[0]);
    expect(ssa.json()[0]).toMatchObject({
      studentReference: { studentUniqueId: id },
      schoolReference: { schoolId: school.schoolId },
    });

    const [seoa] = (await data(`/studentEducationOrganizationAssociations?studentUniqueId=${id}`)).json();
    expectResource(edFiServed.studentEducationOrganizationAssociation, seoa);

    const links = (await data(`/studentContactAssociations?studentUniqueId=${id}`)).json();
    expect(links).toHaveLength(1);
    expectResource(edFiServed.studentContactAssociation, links[0]);
    expect(links[0]).toMatchObject({
      relationDescriptor: 'uri://ed-fi.org/RelationDescriptor#Father',
      primaryContactStatus: true,
      emergencyContactStatus: true,
    });

    const contactId = links[0].contactReference.contactUniqueId;
    const [contact] = (await data(`/contacts?contactUniqueId=${contactId}`)).json();
    expectResource(edFiServed.contact, contact);
    expect(contact).toMatchObject({
      firstName: 'Maria',
      lastSurname: 'Lopez',
      addresses: [{ city: 'Austin', postalCode: '78701' }],
    });

    const [edfiSchool] = (await data(`/schools?schoolId=${school.schoolId}`)).json();
    expectResource(edFiServed.school, edfiSchool);
    expect(edfiSchool).toMatchObject({ schoolId: school.schoolId, nameOfInstitution: school.name });

    for (const [path, resource] of [
      ['students', student],
      ['studentSchoolAssociations', ssa.json()[0]],
      ['contacts', contact],
      ['schools', edfiSchool],
    ] as const) {
      const byId = await data(`/${path}/${resource.id}`);
      expect(byId.statusCode, path).toBe(200);
      expect(byId.json()).toEqual(resource);
    }
    expect((await data('/students/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    expect((await data('/students/not-a-uuid')).statusCode).toBe(400);
  });

  it('pages with limit and offset up to 500, and counts with totalCount=true', async () => {
    const own = await createSchool(stack.db);
    for (let i = 0; i < 3; i++) await writeStudent(stack.db, own.schoolId);
    const first = await data(`/studentSchoolAssociations?schoolId=${own.schoolId}&limit=2&totalCount=true`);
    expect(first.statusCode).toBe(200);
    expect(first.headers['total-count']).toBe('3');
    expect(first.json()).toHaveLength(2);
    const second = await data(`/studentSchoolAssociations?schoolId=${own.schoolId}&limit=2&offset=2`);
    expect(second.json()).toHaveLength(1);
    expect(second.headers['total-count']).toBeUndefined();
    expect(second.json()[0].id).not.toBe(first.json()[0].id);

    for (const bad of [
      'limit=501',
      'limit=-1',
      'limit=1e2',
      'offset=x',
      'totalCount=yes',
      'schoolId=abc',
      'shoeSize=9',
      'limit=1&limit=2',
    ]) {
      const res = await data(`/studentSchoolAssociations?${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().issues[0].path).toBe(`querystring.${bad.split('=')[0]}`);
    }
  });

  it('refuses a token without the Ed-Fi scope (403) and no token (401)', async () => {
    const roster = await clientToken(stack, await registerClient(stack, [SCOPES.rosterReadonly]));
    expect((await get('/data/v3/ed-fi/students', roster)).statusCode).toBe(403);
    expect((await stack.app.inject({ method: 'GET', url: '/data/v3/ed-fi/students' })).statusCode).toBe(401);
  });
});

describe('Ed-Fi change queries', () => {
  const available = async () => {
    const res = await get('/data/v3/changeQueries/v1/availableChangeVersions');
    expect(res.statusCode).toBe(200);
    return res.json() as { oldestChangeVersion: number; newestChangeVersion: number };
  };

  it('serves rows changed between two versions, and a correction as a new version', async () => {
    const before = (await available()).newestChangeVersion;
    const written = await writeStudent(stack.db, school.schoolId);
    const after = (await available()).newestChangeVersion;
    expect(after).toBeGreaterThan(before);
    const changed = (await data(`/students?minChangeVersion=${before + 1}&maxChangeVersion=${after}&limit=500`)).json();
    expect(changed.map((s: { studentUniqueId: string }) => s.studentUniqueId)).toContain(written.studentUniqueId);
    const unchanged = (
      await data(`/students?minChangeVersion=${after + 1}&studentUniqueId=${written.studentUniqueId}`)
    ).json();
    expect(unchanged).toEqual([]);

    await stack.db
      .updateTable('students')
      .set({ first_name: 'Sofía' })
      .where('student_unique_id', '=', written.studentUniqueId)
      .execute();
    const corrected = (
      await data(`/students?minChangeVersion=${after + 1}&studentUniqueId=${written.studentUniqueId}`)
    ).json();
    expect(corrected).toMatchObject([{ firstName: 'Sofía' }]);
  });

  it('lists deleted records with their id and natural key under /deletes', async () => {
    const written = await writeStudent(stack.db, school.schoolId);
    const [student] = (await data(`/students?studentUniqueId=${written.studentUniqueId}`)).json();
    const before = (await available()).newestChangeVersion;
    await stack.db.deleteFrom('students').where('student_unique_id', '=', written.studentUniqueId).execute();

    const deletes = (await data(`/students/deletes?minChangeVersion=${before + 1}`)).json();
    expect(deletes).toContainEqual({
      id: student.id,
      changeVersion: expect.any(Number),
      keyValues: { studentUniqueId: written.studentUniqueId },
    });
    const ssaDeletes = (await data(`/studentSchoolAssociations/deletes?minChangeVersion=${before + 1}`)).json();
    expect(ssaDeletes).toContainEqual(
      expect.objectContaining({
        keyValues: { studentUniqueId: written.studentUniqueId, schoolId: school.schoolId, entryDate: '2026-09-01' },
      }),
    );
  });

  it('never exposes a version a transaction still in flight may commit: two interleaved writers', async () => {
    const own = await createSchool(stack.db);
    const synced = (await available()).newestChangeVersion;

    // Writer A takes its version first and commits last; writer B takes a later version and commits first.
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((resolve) => (releaseA = resolve));
    let aWrote!: (version: number) => void;
    const aVersion = new Promise<number>((resolve) => (aWrote = resolve));
    const writerA = stack.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('schools')
        .set({ name_of_institution: 'Interleaved A' })
        .where('school_id', '=', own.schoolId)
        .returning('change_version')
        .executeTakeFirstOrThrow();
      aWrote(row.change_version);
      await aMayCommit;
    });
    const a = await aVersion;
    const b = await writeStudent(stack.db, own.schoolId);
    const bVersion = (
      await stack.db
        .selectFrom('students')
        .select('change_version')
        .where('student_unique_id', '=', b.studentUniqueId)
        .executeTakeFirstOrThrow()
    ).change_version;
    expect(a).toBeLessThan(bVersion);

    // B has committed, but a client that synced up to B's version now would never be shown A's row: not yet.
    const whileAOpen = (await available()).newestChangeVersion;
    expect(whileAOpen).toBeLessThan(a);
    const query = `minChangeVersion=${synced + 1}&maxChangeVersion=${bVersion}&studentUniqueId=${b.studentUniqueId}`;
    expect((await data(`/students?${query}`)).json()).toEqual([]);

    releaseA();
    await writerA;
    const newest = (await available()).newestChangeVersion;
    expect(newest).toBeGreaterThanOrEqual(bVersion);
    const next = `minChangeVersion=${whileAOpen + 1}&maxChangeVersion=${newest}`;
    expect((await data(`/schools?${next}&schoolId=${own.schoolId}`)).json()).toMatchObject([
      { nameOfInstitution: 'Interleaved A' },
    ]);
    expect((await data(`/students?${next}&studentUniqueId=${b.studentUniqueId}`)).json()).toHaveLength(1);
  });
});
