/**
 * `npm run bench:rostering [-- --students 100000 --small 10000 --schools 200 --samples 200]`
 *
 * Seeds students with guardians across schools by bulk SQL (not through workflows) into a database of its own on the
 * PostgreSQL of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), then prints p50/p99 of the
 * OneRoster reads, an Ed-Fi change-query sync from version 0 to the newest, requests/s at concurrency 20, and the bulk
 * CSV export's time and peak RSS at the small and the full size (each export in a child process of its own, so its
 * peak RSS is the export's). Targets are ratios within the run: deep page p99 ≤ 2× first page p99, export peak RSS at
 * the full size ≤ 1.3× at the small one. Writes the figures as JSON under bench/results/.
 */
import { Client, Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { buildApp } from '../api/app';
import { createDb, type Database } from '../db';
import { migrateToLatest } from '../db/migrate';
import { ensureDatabase } from '../runtime/postgres';
import { SCOPES } from '../standards/oneroster-api/scopes';

const { values: args } = parseArgs({
  options: {
    students: { type: 'string', default: '100000' },
    small: { type: 'string', default: '10000' },
    schools: { type: 'string', default: '200' },
    samples: { type: 'string', default: '200' },
    requests: { type: 'string', default: '2000' },
  },
});
const STUDENTS = Number(args.students);
const SMALL = Number(args.small);
const SCHOOLS = Number(args.schools);
const SAMPLES = Number(args.samples);
const REQUESTS = Number(args.requests);
const ONEROSTER = '/ims/oneroster/rostering/v1p2';

const FIRST = ['Sofia', 'Liam', 'Mateo', 'Emma', 'Noah', 'Olivia', 'Aiden', 'Mia', 'Lucas', 'Ava', 'Ethan', 'Zoe'];
const LAST = [
  'Lopez',
  'Okafor',
  'Nguyen',
  'Johnson',
  'Garcia',
  'Kim',
  'Patel',
  'Smith',
  'Brown',
  'Hernandez',
  'Tanaka',
];

/** Students (and one guardian each) numbered from `from` to `to`, the whole record set, in a few statements. */
async function seed(db: Kysely<Database>, from: number, to: number): Promise<void> {
  await db.connection().execute(async (conn) => {
    // Bulk load: no triggers (the change versions are set here from the same sequence), no per-row FK checks.
    await sql`set session_replication_role = replica`.execute(conn);
    const suid = sql`'TSA-STU-20260901-' || upper(lpad(to_hex(i), 6, '0'))`;
    const school = sql`'bench-school-' || (i % ${sql.lit(SCHOOLS)} + 1)`;
    const first = sql`(${sql.val(FIRST)}::text[])[i % ${sql.lit(FIRST.length)} + 1]`;
    const last = sql`(${sql.val(LAST)}::text[])[(i / 7) % ${sql.lit(LAST.length)} + 1]`;
    await sql`
      insert into students (student_unique_id, enrollment_id, first_name, last_name, birth_date, birth_sex_descriptor,
        hispanic_latino_ethnicity, races, source_system_descriptor, change_version)
      select ${suid}, 'TSA-ENROLL-20260901-' || upper(lpad(to_hex(i), 6, '0')), ${first}, ${last}, date '2012-03-14',
        'uri://ed-fi.org/SexDescriptor#Female', i % 3 = 0, '["uri://ed-fi.org/RaceDescriptor#White"]'::jsonb,
        'uri://tsa.academy/SourceSystemDescriptor#TSA_Admissions_Portal', nextval('change_version_seq')
      from generate_series(${sql.lit(from)}, ${sql.lit(to)}) i`.execute(conn);
    await sql`
      insert into student_school_associations (student_unique_id, school_id, entry_date, entry_grade_level_descriptor,
        entry_type_descriptor, school_year, change_version)
      select ${suid}, 1000 + i % ${sql.lit(SCHOOLS)} + 1, date '2026-09-01', 'uri://ed-fi.org/GradeLevelDescriptor#Ninth grade',
        'uri://ed-fi.org/EntryTypeDescriptor#Transfer', 2027, nextval('change_version_seq')
      from generate_series(${sql.lit(from)}, ${sql.lit(to)}) i`.execute(conn);
    await sql`
      insert into student_education_organization_associations (student_unique_id, education_organization_id,
        sex_descriptor, races, hispanic_latino_ethnicity, change_version)
      select ${suid}, 1000 + i % ${sql.lit(SCHOOLS)} + 1, 'uri://ed-fi.org/SexDescriptor#Female',
        '["uri://ed-fi.org/RaceDescriptor#White"]'::jsonb, i % 3 = 0, nextval('change_version_seq')
      from generate_series(${sql.lit(from)}, ${sql.lit(to)}) i`.execute(conn);
    await sql`
      insert into users (sourced_id, username, given_name, family_name, role, identifier, birth_date, org_ids, grades,
        agents, model_metadata, change_version)
      select 'student_' || ${suid}, lower(${first} || '.' || ${last} || '.' || i), ${first}, ${last}, 'student', ${suid},
        date '2012-03-14', jsonb_build_array(${school}), '["09"]'::jsonb, jsonb_build_array('guardian_bench_' || i),
        '{"source":"TSA_Admissions_Portal"}'::jsonb, nextval('change_version_seq')
      from generate_series(${sql.lit(from)}, ${sql.lit(to)}) i`.execute(conn);
    await sql`
      insert into users (sourced_id, given_name, family_name, role, email, phone, org_ids, agents, model_metadata,
        change_version)
      select 'guardian_bench_' || i, 'Maria', ${last}, 'parent', 'guardian' || i || '@example.com', '+1 512-555-0142',
        jsonb_build_array(${school}), jsonb_build_array('student_' || ${suid}),
        '{"relationship":"mother","address":{"line1":"100 Congress Ave","city":"Austin","state":"TX","postalCode":"78701"}}'::jsonb,
        nextval('change_version_seq')
      from generate_series(${sql.lit(from)}, ${sql.lit(to)}) i`.execute(conn);
    await sql`set session_replication_role = origin`.execute(conn);
  });
  await sql`vacuum analyze`.execute(db);
}

async function seedSchools(db: Kysely<Database>): Promise<void> {
  await sql`
    insert into orgs (sourced_id, name, type, identifier, parent_sourced_id)
    select 'bench-school-' || i, 'Bench School ' || i, 'school', (1000 + i)::text, 'tsa-network'
    from generate_series(1, ${sql.lit(SCHOOLS)}) i`.execute(db);
  await sql`
    insert into schools (school_id, org_sourced_id, name_of_institution)
    select 1000 + i, 'bench-school-' || i, 'Bench School ' || i from generate_series(1, ${sql.lit(SCHOOLS)}) i`.execute(
    db,
  );
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function timed(samples: number, call: (i: number) => Promise<void>) {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) await call(i); // warm-up
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await call(i);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), mean: ms.reduce((a, b) => a + b, 0) / ms.length };
}

interface ExportFigures {
  ms: number;
  bytes: number;
  maxRssMb: number;
}

async function exportInChild(databaseUrl: string): Promise<ExportFigures> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'rostering-export.ts'), databaseUrl],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as ExportFigures;
}

async function main(): Promise<void> {
  const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_rostering_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(admin, name);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const db = createDb(databaseUrl, { max: 20 });
  const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const app = buildApp({
    db,
    temporal,
    taskQueue: 'bench-rostering',
    defaultSchoolId: 1,
    jwtSecret: 'bench-jwt-secret-0123456789-0123456789-abc',
    paymentWebhookSecret: 'bench',
  });
  const results: Record<string, unknown> = { students: STUDENTS, small: SMALL, schools: SCHOOLS, samples: SAMPLES };
  try {
    await migrateToLatest(db);
    await seedSchools(db);

    let t = performance.now();
    await seed(db, 1, SMALL);
    console.log(`seeded ${SMALL} students with guardians in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const exportSmall = await exportInChild(databaseUrl);
    console.log(
      `bulk CSV export at ${SMALL}: ${exportSmall.ms.toFixed(0)} ms, ${(exportSmall.bytes / 1e6).toFixed(1)} MB, peak RSS ${exportSmall.maxRssMb.toFixed(0)} MB`,
    );

    t = performance.now();
    await seed(db, SMALL + 1, STUDENTS);
    console.log(`seeded up to ${STUDENTS} students in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const exportFull = await exportInChild(databaseUrl);
    console.log(
      `bulk CSV export at ${STUDENTS}: ${exportFull.ms.toFixed(0)} ms, ${(exportFull.bytes / 1e6).toFixed(1)} MB, peak RSS ${exportFull.maxRssMb.toFixed(0)} MB`,
    );
    results.export = { small: exportSmall, full: exportFull, rssRatio: exportFull.maxRssMb / exportSmall.maxRssMb };

    const base = await app.listen({ port: Number(process.env.BENCH_PORT ?? 0), host: '127.0.0.1' });
    const opsToken = app.signToken({ role: 'ops', sub: 'bench' });
    const created = await fetch(`${base}/v1/ops/api-clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', scopes: [SCOPES.rosterReadonly, SCOPES.edfiReadonly] }),
    }).then((r) => r.json() as Promise<{ clientId: string; clientSecret: string }>);
    const tokenRes = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${created.clientId}:${created.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const headers = { authorization: `Bearer ${tokenRes.access_token}` };
    const get = async (pathAndQuery: string) => {
      const res = await fetch(`${base}${pathAndQuery}`, { headers });
      if (res.status !== 200) throw new Error(`${pathAndQuery} → ${res.status} ${await res.text()}`);
      return res;
    };

    const totalUsers = Number((await get(`${ONEROSTER}/users?limit=1`)).headers.get('x-total-count'));
    const latency: Record<string, { p50: number; p99: number; mean: number }> = {
      'users?limit=100 (offset 0)': await timed(
        SAMPLES,
        async () => void (await (await get(`${ONEROSTER}/users?limit=100`)).arrayBuffer()),
      ),
      'users?limit=100&offset=90000': await timed(
        SAMPLES,
        async () => void (await (await get(`${ONEROSTER}/users?limit=100&offset=90000`)).arrayBuffer()),
      ),
      "students?filter=familyName~'oka' AND status='active'": await timed(
        SAMPLES,
        async () =>
          void (await (
            await get(
              `${ONEROSTER}/students?limit=100&filter=${encodeURIComponent("familyName~'oka' AND status='active'")}`,
            )
          ).arrayBuffer()),
      ),
      'users/{sourcedId}': await timed(
        SAMPLES,
        async (i) =>
          void (await (
            await get(
              `${ONEROSTER}/users/student_TSA-STU-20260901-${(((i * 7919) % STUDENTS) + 1).toString(16).padStart(6, '0').toUpperCase()}`,
            )
          ).arrayBuffer()),
      ),
    };
    for (const [what, f] of Object.entries(latency))
      console.log(`${what.padEnd(55)} p50 ${f.p50.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms`);
    const deepRatio = latency['users?limit=100&offset=90000']!.p99 / latency['users?limit=100 (offset 0)']!.p99;
    console.log(`deep page p99 / first page p99 = ${deepRatio.toFixed(2)} (target ≤ 2)   [${totalUsers} users]`);

    t = performance.now();
    const { newestChangeVersion } = (await (await get('/data/v3/changeQueries/v1/availableChangeVersions')).json()) as {
      newestChangeVersion: number;
    };
    let synced = 0;
    let pages = 0;
    for (let offset = 0; ; offset += 500) {
      const page = (await (
        await get(
          `/data/v3/ed-fi/students?minChangeVersion=0&maxChangeVersion=${newestChangeVersion}&limit=500&offset=${offset}`,
        )
      ).json()) as unknown[];
      synced += page.length;
      pages++;
      if (page.length < 500) break;
    }
    const syncMs = performance.now() - t;
    console.log(
      `Ed-Fi change-query sync of students 0 → ${newestChangeVersion}: ${synced} in ${pages} pages, ${(syncMs / 1000).toFixed(1)} s`,
    );

    let next = 0;
    t = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < REQUESTS) {
          const offset = (next++ * 7919) % Math.max(1, totalUsers - 100);
          await (await get(`${ONEROSTER}/users?limit=100&offset=${offset}`)).arrayBuffer();
        }
      }),
    );
    const rps = REQUESTS / ((performance.now() - t) / 1000);
    console.log(
      `users?limit=100 at random offsets, concurrency 20: ${rps.toFixed(0)} requests/s (${REQUESTS} requests)`,
    );
    console.log(
      `export peak RSS ${STUDENTS} / ${SMALL} = ${(exportFull.maxRssMb / exportSmall.maxRssMb).toFixed(2)} (target ≤ 1.3)`,
    );

    Object.assign(results, {
      latency,
      deepRatio,
      sync: { newestChangeVersion, synced, pages, ms: syncMs },
      rps,
      totalUsers,
    });
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `rostering-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`figures written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await app.close();
    await db.destroy();
    await temporal.connection.close().catch(() => undefined);
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
