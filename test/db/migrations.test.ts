import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db';
import { migrateDown, migrateToLatest } from '../../db/migrate';
import { createScratchDatabase } from '../helpers/databases';

/** Tables, columns, constraints, indexes and triggers of the public schema, as comparable text. */
async function describeSchema(db: Kysely<any>): Promise<string[]> {
  const columns = await sql<{ d: string }>`
    select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as d
    from information_schema.columns where table_schema = 'public' and table_name not like 'kysely_%'`.execute(db);
  const constraints = await sql<{ d: string }>`
    select conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) as d
    from pg_constraint where connamespace = 'public'::regnamespace and conrelid::regclass::text not like 'kysely_%'`.execute(
    db,
  );
  const indexes = await sql<{ d: string }>`
    select indexdef as d from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%'`.execute(db);
  const triggers = await sql<{ d: string }>`
    select tgrelid::regclass || ' ' || tgname as d from pg_trigger where not tgisinternal`.execute(db);
  return [...columns.rows, ...constraints.rows, ...indexes.rows, ...triggers.rows].map((r) => r.d).sort();
}

const EXPECTED_TABLES = [
  'students',
  'student_education_organization_associations',
  'student_school_associations',
  'tsa_student_extensions',
  'users',
  'orgs',
  'schools',
  'user_org_associations',
  'coach_profiles',
  'background_checks',
  'quiz_attempts',
  'invitations',
  'enrollments',
  'timeline_templates',
  'timeline_steps',
  'timeline_change_events',
  'notifications',
  'audit_log',
  'idempotency_keys',
];

describe('migrations', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Kysely<any>;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = createDb(scratch.url, { max: 2 });
  });
  afterAll(async () => {
    await db?.destroy();
    await scratch?.drop();
  });

  it('create every table, undo completely, and redo to the same schema', async () => {
    const applied = await migrateToLatest(db);
    expect(applied.length).toBeGreaterThan(0);
    expect(await migrateToLatest(db)).toEqual([]); // idempotent

    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(db);
    expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
    const first = await describeSchema(db);

    const reverted = await migrateDown(db, 'all');
    expect(reverted).toEqual([...applied].reverse());
    expect(await describeSchema(db)).toEqual([]);

    await migrateToLatest(db);
    expect(await describeSchema(db)).toEqual(first);
  });

  it('seed the TSA network and the default school', async () => {
    const school = await db.selectFrom('schools').selectAll().where('school_id', '=', 1).executeTakeFirstOrThrow();
    const org = await db
      .selectFrom('orgs')
      .selectAll()
      .where('sourced_id', '=', school.org_sourced_id)
      .executeTakeFirstOrThrow();
    expect(org.type).toBe('school');
    expect(org.parent_sourced_id).toBe('tsa-network');
  });

  it('reject values outside the enumerations', async () => {
    await expect(
      db.insertInto('orgs').values({ sourced_id: 'x', name: 'X', type: 'galaxy' }).execute(),
    ).rejects.toThrow(/check constraint/);
  });
});
