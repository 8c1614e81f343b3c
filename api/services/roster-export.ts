import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { sql, type Kysely } from 'kysely';
import { ZipFile } from 'yazl';
import type { Database } from '../../db/schema';
import {
  academicSessionCsvRow,
  CSV_COLUMNS,
  CSV_FILES,
  demographicsCsvRow,
  manifestRows,
  orgCsvRow,
  roleCsvRows,
  userCsvRow,
  type ExchangeType,
  type UserCsvInput,
} from '../../standards/oneroster-api/csv';

export interface RosterExportOptions {
  type: ExchangeType;
  /** Delta: rows changed at or after this time (inclusive: a change at the boundary is sent twice, never missed). */
  since?: Date;
  systemName?: string;
  /** `demographics.csv` (birth dates, sex, races) only for callers allowed to read demographics; included by default. */
  demographics?: boolean;
}

/** Rows are read in keyset batches of this size: memory holds one batch per file being written, whatever the total. */
const BATCH = 1000;

/** Every TSA user belongs to the network; one without an org of its own is rostered there (as in the REST answers). */
const NETWORK_ORG = 'tsa-network';

async function* batches<Row extends { row_seq: number }>(next: (after: number) => Promise<Row[]>): AsyncGenerator<Row> {
  let after = 0;
  for (;;) {
    const rows = await next(after);
    yield* rows;
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.row_seq;
  }
}

function usersAfter(db: Kysely<Database>, options: RosterExportOptions) {
  return (after: number) =>
    db
      .selectFrom('users')
      .select([
        'row_seq',
        'sourced_id',
        'status',
        'date_last_modified',
        'enabled_user',
        'username',
        'given_name',
        'family_name',
        'middle_name',
        'role',
        'identifier',
        'email',
        'phone',
        'agents',
        'grades',
        'org_ids',
        sql<
          string[]
        >`(select coalesce(jsonb_agg(distinct a.org_sourced_id), '[]'::jsonb) from user_org_associations a where a.user_sourced_id = users.sourced_id)`.as(
          'association_org_ids',
        ),
      ])
      .where('row_seq', '>', after)
      .$if(options.type === 'bulk', (qb) => qb.where('status', '=', 'active'))
      .$if(options.type === 'delta', (qb) => qb.where('date_last_modified', '>=', options.since!))
      .orderBy('row_seq')
      .limit(BATCH)
      .execute();
}

async function* userInputs(db: Kysely<Database>, options: RosterExportOptions): AsyncGenerator<UserCsvInput> {
  for await (const row of batches(usersAfter(db, options))) {
    const orgIds = [...new Set([...row.org_ids, ...row.association_org_ids])];
    yield { ...row, org_ids: orgIds.length > 0 ? orgIds : [NETWORK_ORG] };
  }
}

async function* orgRows(db: Kysely<Database>, options: RosterExportOptions): AsyncGenerator<string[]> {
  const page = (after: number) =>
    db
      .selectFrom('orgs')
      .select([
        'row_seq',
        'sourced_id',
        'status',
        'date_last_modified',
        'name',
        'type',
        'identifier',
        'parent_sourced_id',
      ])
      .where('row_seq', '>', after)
      .$if(options.type === 'bulk', (qb) => qb.where('status', '=', 'active'))
      .$if(options.type === 'delta', (qb) => qb.where('date_last_modified', '>=', options.since!))
      .orderBy('row_seq')
      .limit(BATCH)
      .execute();
  for await (const row of batches(page)) yield orgCsvRow(options.type, row);
}

async function* demographicsRows(db: Kysely<Database>, options: RosterExportOptions): AsyncGenerator<string[]> {
  const page = (after: number) =>
    db
      .selectFrom('users as u')
      // From the user's page of the row_seq index into students by its unique key: one lookup per exported row.
      .innerJoin('students as s', 's.student_unique_id', 'u.identifier')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('student_education_organization_associations as e')
            .select(['e.sex_descriptor', 'e.races', 'e.hispanic_latino_ethnicity'])
            .whereRef('e.student_unique_id', '=', 's.student_unique_id')
            .orderBy('e.id')
            .limit(1)
            .as('e'),
        (join) => join.onTrue(),
      )
      .select([
        'u.row_seq',
        'u.sourced_id',
        'u.status',
        'u.date_last_modified',
        's.birth_date',
        sql<string>`coalesce(e.sex_descriptor, s.birth_sex_descriptor)`.as('sex_descriptor'),
        sql<string[]>`coalesce(e.races, s.races)`.as('races'),
        sql<boolean>`coalesce(e.hispanic_latino_ethnicity, s.hispanic_latino_ethnicity)`.as(
          'hispanic_latino_ethnicity',
        ),
      ])
      .where('u.role', '=', 'student')
      .where('u.row_seq', '>', after)
      .$if(options.type === 'bulk', (qb) => qb.where('u.status', '=', 'active'))
      .$if(options.type === 'delta', (qb) => qb.where('u.date_last_modified', '>=', options.since!))
      .orderBy('u.row_seq')
      .limit(BATCH)
      .execute();
  for await (const row of batches(page)) yield demographicsCsvRow(options.type, row);
}

async function* academicSessionRows(db: Kysely<Database>, options: RosterExportOptions): AsyncGenerator<string[]> {
  const rows = await db
    .selectFrom('student_school_associations')
    .select(['school_year', (eb) => eb.fn.min('created_at').as('date_last_modified')])
    .groupBy('school_year')
    .$if(options.type === 'delta', (qb) => qb.having((eb) => eb.fn.min('created_at'), '>=', options.since!))
    .orderBy('school_year')
    .execute();
  for (const row of rows) {
    yield academicSessionCsvRow(options.type, {
      school_year: row.school_year,
      date_last_modified: row.date_last_modified as Date,
    });
  }
}

function csv(header: readonly string[], rows: AsyncIterable<string[]> | Iterable<string[]>): Readable {
  return Readable.from(rows).pipe(stringify({ header: true, columns: [...header] }));
}

/**
 * The OneRoster 1.2 CSV zip as a stream: each file is produced from the database only when the zip reaches it, in
 * batches, so memory stays flat as the roster grows.
 */
export function rosterZip(db: Kysely<Database>, options: RosterExportOptions): Readable {
  const zip = new ZipFile();
  const lazy = (name: string, make: () => Readable) =>
    zip.addReadStreamLazy(name, (callback) => callback(null, make()));
  const withDemographics = options.demographics ?? true;
  const files = CSV_FILES.filter((file) => withDemographics || file !== 'demographics');
  const manifest = manifestRows(options.type, options.systemName ?? 'TSA Enrollment Engine', files);
  lazy('manifest.csv', () => csv(manifest[0]!, manifest.slice(1)));
  lazy('orgs.csv', () => csv(CSV_COLUMNS.orgs, orgRows(db, options)));
  lazy('users.csv', () =>
    csv(
      CSV_COLUMNS.users,
      (async function* () {
        for await (const user of userInputs(db, options)) yield userCsvRow(options.type, user);
      })(),
    ),
  );
  lazy('roles.csv', () =>
    csv(
      CSV_COLUMNS.roles,
      (async function* () {
        for await (const user of userInputs(db, options)) yield* roleCsvRows(options.type, user);
      })(),
    ),
  );
  if (withDemographics) lazy('demographics.csv', () => csv(CSV_COLUMNS.demographics, demographicsRows(db, options)));
  lazy('academicSessions.csv', () => csv(CSV_COLUMNS.academicSessions, academicSessionRows(db, options)));
  zip.end();
  return zip.outputStream as Readable;
}

/** `type` and `since` from a request or a command line; the message names what is wrong. */
export function parseExportOptions(type: unknown, since: unknown): RosterExportOptions | string {
  const kind = type ?? (since === undefined ? 'bulk' : 'delta');
  if (kind !== 'bulk' && kind !== 'delta') return 'type must be bulk or delta';
  if (kind === 'bulk') return since === undefined ? { type: 'bulk' } : 'since applies to a delta export only';
  if (typeof since !== 'string' || Number.isNaN(Date.parse(since)) || !/^\d{4}-\d{2}-\d{2}/.test(since)) {
    return 'a delta export needs since=<ISO date-time>';
  }
  return { type: 'delta', since: new Date(since) };
}
