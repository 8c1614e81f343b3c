import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { runOps } from '../../scripts/ops';
import { CSV_COLUMNS } from '../../standards/oneroster-api/csv';
import { SCOPES } from '../../standards/oneroster-api/scopes';
import { token } from '../helpers/enrollment';
import {
  clientToken,
  createSchool,
  getAs,
  insertCoach,
  ONEROSTER,
  registerClient,
  writeStudent,
} from '../helpers/roster';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
/** A roster client without the demographics scope. */
let coreToken: string;
let rosterToken: string;
let school: Awaited<ReturnType<typeof createSchool>>;

beforeAll(async () => {
  stack = await createTestStack({ startWorker: false });
  rosterToken = await clientToken(
    stack,
    await registerClient(stack, [SCOPES.rosterReadonly, SCOPES.rosterDemographicsReadonly]),
  );
  coreToken = await clientToken(stack, await registerClient(stack, [SCOPES.rosterReadonly]));
  school = await createSchool(stack.db);
});
afterAll(async () => stack?.close());

/** Each file of the zip, parsed as CSV into objects keyed by the header row. */
function readZip(buffer: Buffer): Promise<Record<string, { header: string[]; rows: Record<string, string>[] }>> {
  return new Promise((resolve, reject) => {
    const files: Record<string, { header: string[]; rows: Record<string, string>[] }> = {};
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr) return reject(streamErr);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const records: string[][] = parse(text);
            const [header = [], ...rest] = records;
            files[entry.fileName] = {
              header,
              rows: rest.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))),
            };
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Users last changed an hour ago, so a delta since half an hour ago has nothing of them. */
async function lastModifiedAnHourAgo(...sourcedIds: string[]) {
  await stack.db
    .updateTable('users')
    .set({ date_last_modified: new Date(Date.now() - 3_600_000) })
    .where('sourced_id', 'in', sourcedIds)
    .execute();
}

async function exportZip(query: string) {
  const exportedAt = new Date();
  const res = await getAs(stack, rosterToken, `${ONEROSTER}/export.zip?${query}`);
  expect(res.statusCode, res.statusCode === 200 ? '' : res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  return { exportedAt, files: await readZip(res.rawPayload) };
}

/**
 * Every users.csv row as the database holds that user. Other test files write users meanwhile: a user changed after
 * the export began is only checked to exist.
 */
async function expectUsersMatchDatabase(rows: Record<string, string>[], type: 'bulk' | 'delta', exportedAt: Date) {
  const ids = rows.map((r) => r.sourcedId!);
  const users = await stack.db.selectFrom('users').selectAll().where('sourced_id', 'in', ids).execute();
  const byId = new Map(users.map((u) => [u.sourced_id, u]));
  for (const row of rows) {
    const user = byId.get(row.sourcedId!);
    expect(user, row.sourcedId).toBeDefined();
    if (user!.date_last_modified >= exportedAt) continue;
    expect(row).toMatchObject({
      status: type === 'bulk' ? '' : user!.status,
      dateLastModified: type === 'bulk' ? '' : user!.date_last_modified.toISOString(),
      enabledUser: String(user!.enabled_user),
      username: user!.username ?? '',
      givenName: user!.given_name,
      familyName: user!.family_name,
      middleName: user!.middle_name ?? '',
      identifier: user!.identifier ?? '',
      email: user!.email ?? '',
      phone: user!.phone ?? '',
      agentSourcedIds: user!.agents.join(','),
      grades: user!.grades.join(','),
    });
    if (type === 'bulk') expect(user!.status).toBe('active');
  }
}

describe('OneRoster 1.2 CSV export', () => {
  it('writes a bulk zip whose every file has the 1.2 columns and every row matches the database', async () => {
    const a = await writeStudent(stack.db, school.schoolId, { races: ['Black or African American'], sex: 'Male' });
    const withdrawn = await writeStudent(stack.db, school.schoolId, {
      withdrawal: { date: '2026-09-20', kind: 'expired', reason: 'no answer' },
    });
    const coach = await insertCoach(stack.db, school.orgSourcedId);

    const { exportedAt, files } = await exportZip('type=bulk');
    expect(Object.keys(files).sort()).toEqual(
      ['academicSessions.csv', 'demographics.csv', 'manifest.csv', 'orgs.csv', 'roles.csv', 'users.csv'].sort(),
    );
    for (const [name, columns] of Object.entries(CSV_COLUMNS)) expect(files[`${name}.csv`]!.header).toEqual(columns);

    const manifest = Object.fromEntries(files['manifest.csv']!.rows.map((r) => [r.propertyName, r.value]));
    expect(manifest).toMatchObject({
      'manifest.version': '1.0',
      'oneroster.version': '1.2',
      'file.users': 'bulk',
      'file.orgs': 'bulk',
      'file.roles': 'bulk',
      'file.demographics': 'bulk',
      'file.academicSessions': 'bulk',
      'file.classes': 'absent',
      'file.enrollments': 'absent',
      'source.systemName': 'TSA Enrollment Engine',
    });

    const users = files['users.csv']!.rows;
    await expectUsersMatchDatabase(users, 'bulk', exportedAt);
    const ids = users.map((u) => u.sourcedId);
    expect(ids).toContain(a.studentSourcedId);
    expect(ids).toContain(a.guardianSourcedId);
    expect(ids).toContain(coach);
    expect(ids).not.toContain(withdrawn.studentSourcedId);
    expect(new Set(ids).size).toBe(ids.length);

    const roles = files['roles.csv']!.rows;
    expect(roles).toContainEqual(
      expect.objectContaining({
        userSourcedId: a.studentSourcedId,
        roleType: 'primary',
        role: 'student',
        orgSourcedId: school.orgSourcedId,
      }),
    );
    expect(roles).toContainEqual(
      expect.objectContaining({ userSourcedId: coach, role: 'teacher', orgSourcedId: school.orgSourcedId }),
    );

    const demographics = files['demographics.csv']!.rows.find((d) => d.sourcedId === a.studentSourcedId);
    expect(demographics).toMatchObject({
      birthDate: '2012-03-14',
      sex: 'male',
      blackOrAfricanAmerican: 'true',
      white: 'false',
    });

    const orgs = files['orgs.csv']!.rows;
    const dbOrgs = await stack.db.selectFrom('orgs').selectAll().where('status', '=', 'active').execute();
    for (const org of dbOrgs.filter((o) => o.date_last_modified < exportedAt)) {
      expect(orgs).toContainEqual(
        expect.objectContaining({
          sourcedId: org.sourced_id,
          name: org.name,
          type: org.type,
          parentSourcedId: org.parent_sourced_id ?? '',
        }),
      );
    }
    expect(files['academicSessions.csv']!.rows).toContainEqual(
      expect.objectContaining({
        sourcedId: 'school-year-2027',
        type: 'schoolYear',
        startDate: '2026-07-01',
        endDate: '2027-06-30',
        schoolYear: '2027',
      }),
    );
  });

  it('writes a delta of what changed since a time, removals as tobedeleted', async () => {
    const before = await writeStudent(stack.db, school.schoolId);
    await lastModifiedAnHourAgo(before.studentSourcedId, before.guardianSourcedId);
    const since = new Date(Date.now() - 1_800_000);
    const changed = await writeStudent(stack.db, school.schoolId);
    const removed = await writeStudent(stack.db, school.schoolId, {
      withdrawal: { date: '2026-09-20', kind: 'cancelled', reason: 'moved' },
    });

    const { exportedAt, files } = await exportZip(`type=delta&since=${encodeURIComponent(since.toISOString())}`);
    const manifest = Object.fromEntries(files['manifest.csv']!.rows.map((r) => [r.propertyName, r.value]));
    expect(manifest['file.users']).toBe('delta');
    const users = files['users.csv']!.rows;
    await expectUsersMatchDatabase(users, 'delta', exportedAt);
    const ids = users.map((u) => u.sourcedId);
    expect(ids).toContain(changed.studentSourcedId);
    expect(ids).not.toContain(before.studentSourcedId);
    expect(users.find((u) => u.sourcedId === removed.studentSourcedId)).toMatchObject({
      status: 'tobedeleted',
      enabledUser: 'false',
    });
    for (const u of users) expect(new Date(u.dateLastModified!).getTime()).toBeGreaterThanOrEqual(since.getTime());

    const bad = await getAs(stack, rosterToken, `${ONEROSTER}/export.zip?type=delta`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().imsx_description).toContain('since');
  });

  it('leaves demographics out for a client without roster-demographics.readonly', async () => {
    await writeStudent(stack.db, school.schoolId);
    const res = await getAs(stack, coreToken, `${ONEROSTER}/export.zip?type=bulk`);
    expect(res.statusCode).toBe(200);
    const files = await readZip(res.rawPayload);
    expect(Object.keys(files).sort()).toEqual(
      ['academicSessions.csv', 'manifest.csv', 'orgs.csv', 'roles.csv', 'users.csv'].sort(),
    );
    const manifest = Object.fromEntries(files['manifest.csv']!.rows.map((r) => [r.propertyName, r.value]));
    expect(manifest['file.demographics']).toBe('absent');
    expect(manifest['file.users']).toBe('bulk');
  });
});

describe('npm run ops -- clients and export-roster', () => {
  let url: string;
  let dir: string;
  beforeAll(async () => {
    url = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-export-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const ops = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOps([...args, '--api', url, '--token', token(stack, { role: 'ops', sub: 'ops-cli-test' })], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env: {},
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('registers, lists and revokes a client, and the client’s token works until then', async () => {
    const add = await ops(
      'clients',
      'add',
      '--name',
      'District SIS',
      '--scopes',
      `${SCOPES.rosterCoreReadonly}`,
      '--json',
    );
    expect(add.code, add.err).toBe(0);
    const created = JSON.parse(add.out);
    expect(created).toMatchObject({ name: 'District SIS', scopes: [SCOPES.rosterCoreReadonly], revokedAt: null });
    const stored = await stack.db
      .selectFrom('api_clients')
      .selectAll()
      .where('client_id', '=', created.clientId)
      .executeTakeFirstOrThrow();
    expect(stored.secret_hash).toMatch(/^scrypt\$/);
    expect(stored.secret_hash).not.toContain(created.clientSecret);

    const accessToken = await clientToken(stack, created);
    expect((await getAs(stack, accessToken, `${ONEROSTER}/orgs`)).statusCode).toBe(200);

    const list = await ops('clients', 'list', '--json');
    expect(JSON.parse(list.out).clients).toContainEqual(expect.objectContaining({ clientId: created.clientId }));
    expect(JSON.stringify(JSON.parse(list.out))).not.toContain(created.clientSecret);

    const revoke = await ops('clients', 'revoke', created.clientId, '--json');
    expect(revoke.code, revoke.err).toBe(0);
    expect(JSON.parse(revoke.out).revokedAt).not.toBeNull();
    expect((await getAs(stack, accessToken, `${ONEROSTER}/orgs`)).statusCode).toBe(401);

    const audit = await stack.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'target'])
      .where('target', '=', created.clientId)
      .execute();
    expect(audit).toContainEqual({
      actor: 'ops-cli-test',
      action: 'POST /v1/ops/api-clients',
      target: created.clientId,
    });
    expect(audit).toContainEqual({
      actor: 'ops-cli-test',
      action: 'POST /v1/ops/api-clients/:clientId/revoke',
      target: created.clientId,
    });

    expect((await ops('clients', 'add')).code).toBe(2);
    expect((await ops('clients', 'revoke', 'tsa-client-nobody')).code).toBe(1);
  });

  it('writes the roster zip to a file, bulk or delta', async () => {
    const written = await writeStudent(stack.db, school.schoolId);
    await lastModifiedAnHourAgo(written.studentSourcedId, written.guardianSourcedId);
    const file = path.join(dir, 'roster.zip');
    const bulk = await ops('export-roster', '--out', file, '--json');
    expect(bulk.code, bulk.err).toBe(0);
    expect(JSON.parse(bulk.out)).toMatchObject({ file, type: 'bulk' });
    const files = await readZip(fs.readFileSync(file));
    expect(files['users.csv']!.rows.map((u) => u.sourcedId)).toContain(written.studentSourcedId);

    const since = new Date(Date.now() - 1_800_000).toISOString();
    const later = await writeStudent(stack.db, school.schoolId);
    const delta = await ops('export-roster', '--out', file, '--since', since);
    expect(delta.code, delta.err).toBe(0);
    const deltaFiles = await readZip(fs.readFileSync(file));
    const ids = deltaFiles['users.csv']!.rows.map((u) => u.sourcedId);
    expect(ids).toContain(later.studentSourcedId);
    expect(ids).not.toContain(written.studentSourcedId);
    expect((await ops('export-roster')).code).toBe(2);
  });
});
