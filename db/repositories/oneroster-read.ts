import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { OneRosterUserRow } from '../../standards';
import type { FilterExpression, FilterPredicate } from '../../standards/oneroster-api/filter';
import type {
  OneRosterAcademicSessionRow,
  OneRosterDemographicsRow,
  OneRosterOrgRow,
} from '../../standards/oneroster-api/mapping';
import type { CollectionParams } from '../../standards/oneroster-api/params';
import { OneRosterError } from '../../standards/oneroster-api/status-info';
import type { Database } from '../schema';

/** How a queryable OneRoster field is stored: the column of the collection's key query and how to compare it. */
export interface FieldColumn {
  column: string;
  type: 'text' | 'timestamp' | 'boolean' | 'date';
}

/**
 * A collection is read in two steps: a narrow key query (filter, sort, offset, limit; each row its `key` and an
 * immutable `seq` that breaks ties and keeps pages stable while rows are added), then the full rows of that page.
 * The key query of `users` is served from the (row_seq) index alone, so a deep offset skips index entries, not rows.
 */
export interface CollectionSource<Row> {
  fields: Record<string, FieldColumn>;
  keys(db: Kysely<Database>): any;
  rows(db: Kysely<Database>, keys: string[]): Promise<(Row & { key: string })[]>;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function predicate(eb: ExpressionBuilder<any, any>, column: FieldColumn, p: FilterPredicate): Expression<SqlBool> {
  const ref = sql.ref(`r.${column.column}`);
  if (p.op === '~') return sql<SqlBool>`${ref}::text ilike ${`%${escapeLike(p.value)}%`}`;
  let value: unknown = p.value;
  if (column.type === 'timestamp' || column.type === 'date') {
    const pattern =
      column.type === 'date' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;
    if (!pattern.test(p.value) || Number.isNaN(Date.parse(p.value))) {
      throw new OneRosterError(
        400,
        'invalid_filter_field',
        `filter: ${p.field} needs a date${column.type === 'date' ? '' : '-time'}, got "${p.value}"`,
      );
    }
    value = column.type === 'date' ? p.value : new Date(p.value);
  } else if (column.type === 'boolean') {
    if (p.value !== 'true' && p.value !== 'false') {
      throw new OneRosterError(400, 'invalid_filter_field', `filter: ${p.field} is true or false, got "${p.value}"`);
    }
    value = p.value === 'true';
  }
  return eb(ref, p.op, value);
}

function whereFilter(fields: Record<string, FieldColumn>, filter: FilterExpression) {
  return (eb: ExpressionBuilder<any, any>) =>
    eb.or(filter.map((all) => eb.and(all.map((p) => predicate(eb, fields[p.field]!, p)))));
}

export interface Page<Row> {
  rows: Row[];
  total: number;
}

export async function readPage<Row>(
  db: Kysely<Database>,
  source: CollectionSource<Row>,
  params: CollectionParams,
): Promise<Page<Row>> {
  const base = (db as unknown as Kysely<any>)
    .selectFrom(source.keys(db).as('r'))
    .$if(params.filter !== undefined, (qb) => qb.where(whereFilter(source.fields, params.filter!)));
  const direction = params.orderBy;
  let keyQuery = base.select('r.key');
  if (params.sort) keyQuery = keyQuery.orderBy(sql.ref(`r.${source.fields[params.sort]!.column}`), direction);
  keyQuery = keyQuery
    .orderBy('r.seq', params.sort ? 'asc' : direction)
    .offset(params.offset)
    .limit(params.limit);

  const [keys, count] = await Promise.all([
    keyQuery.execute() as Promise<{ key: string }[]>,
    base.select((eb: ExpressionBuilder<any, any>) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow() as Promise<{
      n: string | number;
    }>,
  ]);
  const ids = keys.map((k) => k.key);
  const rows = ids.length === 0 ? [] : await source.rows(db, ids);
  const byKey = new Map(rows.map((row) => [row.key, row]));
  return { rows: ids.flatMap((id) => byKey.get(id) ?? []), total: Number(count.n) };
}

export async function readOne<Row>(db: Kysely<Database>, source: CollectionSource<Row>, key: string) {
  const found = await (db as unknown as Kysely<any>)
    .selectFrom(source.keys(db).as('r'))
    .select('r.key')
    .where('r.key', '=', key)
    .executeTakeFirst();
  if (!found) return undefined;
  return (await source.rows(db, [key]))[0];
}

// ---------------------------------------------------------------------------------------------------------------
// users, students, teachers
// ---------------------------------------------------------------------------------------------------------------

const USER_FIELDS: Record<string, FieldColumn> = {
  sourcedId: { column: 'key', type: 'text' },
  status: { column: 'status', type: 'text' },
  dateLastModified: { column: 'date_last_modified', type: 'timestamp' },
  username: { column: 'username', type: 'text' },
  enabledUser: { column: 'enabled_user', type: 'boolean' },
  givenName: { column: 'given_name', type: 'text' },
  familyName: { column: 'family_name', type: 'text' },
  middleName: { column: 'middle_name', type: 'text' },
  role: { column: 'role', type: 'text' },
  identifier: { column: 'identifier', type: 'text' },
  email: { column: 'email', type: 'text' },
  phone: { column: 'phone', type: 'text' },
};

/** Every TSA user belongs to the network; a user with no org of its own (none today) is rostered there. */
const NETWORK_ORG = 'tsa-network';

export type UserScope =
  { kind: 'all' } | { kind: 'students'; schoolOrg?: string } | { kind: 'teachers'; schoolOrg?: string };

/** An onboarded coach: an active `teacher` user with a head-coach association to a school (see coach onboarding). */
function isOnboardedCoach(eb: ExpressionBuilder<any, any>, schoolOrg?: string) {
  return eb.exists(
    eb
      .selectFrom('user_org_associations as a')
      .select(sql.lit(1).as('one'))
      .whereRef('a.user_sourced_id', '=', 'users.sourced_id')
      .where('a.role', '=', 'head_coach')
      .$if(schoolOrg !== undefined, (qb) => qb.where('a.org_sourced_id', '=', schoolOrg!)),
  );
}

export function userSource(scope: UserScope): CollectionSource<OneRosterUserRow> {
  return {
    fields: USER_FIELDS,
    keys: (db) =>
      db
        .selectFrom('users')
        .select([
          'users.sourced_id as key',
          'users.row_seq as seq',
          'status',
          'date_last_modified',
          'username',
          'enabled_user',
          'given_name',
          'family_name',
          'middle_name',
          'role',
          'identifier',
          'email',
          'phone',
        ])
        .$if(scope.kind === 'students', (qb) => qb.where('role', '=', 'student'))
        .$if(scope.kind === 'students' && scope.schoolOrg !== undefined, (qb) =>
          qb.where(sql<SqlBool>`org_ids @> ${JSON.stringify([(scope as { schoolOrg: string }).schoolOrg])}::jsonb`),
        )
        .$if(scope.kind === 'teachers', (qb) =>
          qb
            .where('role', '=', 'teacher')
            .where('status', '=', 'active')
            .where((eb) => isOnboardedCoach(eb, (scope as { schoolOrg?: string }).schoolOrg)),
        ),
    rows: async (db, keys) => {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .select(
          sql<
            string[]
          >`(select coalesce(jsonb_agg(distinct a.org_sourced_id), '[]'::jsonb) from user_org_associations a where a.user_sourced_id = users.sourced_id)`.as(
            'association_org_ids',
          ),
        )
        .where('sourced_id', 'in', keys)
        .execute();
      return rows.map((row) => {
        const orgIds = [...new Set([...row.org_ids, ...row.association_org_ids])];
        return { ...row, key: row.sourced_id, org_ids: orgIds.length > 0 ? orgIds : [NETWORK_ORG] };
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// orgs, schools
// ---------------------------------------------------------------------------------------------------------------

const ORG_FIELDS: Record<string, FieldColumn> = {
  sourcedId: { column: 'key', type: 'text' },
  status: { column: 'status', type: 'text' },
  dateLastModified: { column: 'date_last_modified', type: 'timestamp' },
  name: { column: 'name', type: 'text' },
  type: { column: 'type', type: 'text' },
  identifier: { column: 'identifier', type: 'text' },
};

export function orgSource(onlySchools: boolean): CollectionSource<OneRosterOrgRow> {
  return {
    fields: ORG_FIELDS,
    keys: (db) =>
      db
        .selectFrom('orgs')
        .select(['sourced_id as key', 'row_seq as seq', 'status', 'date_last_modified', 'name', 'type', 'identifier'])
        .$if(onlySchools, (qb) => qb.where('type', '=', 'school')),
    rows: async (db, keys) => {
      const rows = await db
        .selectFrom('orgs')
        .select([
          'sourced_id',
          'status',
          'date_last_modified',
          'name',
          'type',
          'identifier',
          'parent_sourced_id',
          'metadata',
        ])
        .select(
          sql<
            string[]
          >`(select coalesce(jsonb_agg(c.sourced_id order by c.row_seq), '[]'::jsonb) from orgs c where c.parent_sourced_id = orgs.sourced_id)`.as(
            'children',
          ),
        )
        .where('sourced_id', 'in', keys)
        .execute();
      return rows.map((row) => ({ ...row, key: row.sourced_id }));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// demographics, academicSessions
// ---------------------------------------------------------------------------------------------------------------

const DEMOGRAPHICS_FIELDS: Record<string, FieldColumn> = {
  sourcedId: { column: 'key', type: 'text' },
  status: { column: 'status', type: 'text' },
  dateLastModified: { column: 'date_last_modified', type: 'timestamp' },
  birthDate: { column: 'birth_date', type: 'date' },
};

/** From the student (birth date) and its education-organization association (sex, races, ethnicity: DS 5.2). */
export const demographicsSource: CollectionSource<OneRosterDemographicsRow> = {
  fields: DEMOGRAPHICS_FIELDS,
  keys: (db) =>
    db
      .selectFrom('students as s')
      .innerJoin('users as u', 'u.identifier', 's.student_unique_id')
      .where('u.role', '=', 'student')
      .select(['u.sourced_id as key', 'u.row_seq as seq', 'u.status', 'u.date_last_modified', 's.birth_date']),
  rows: async (db, keys) => {
    const rows = await db
      .selectFrom('students as s')
      .innerJoin('users as u', 'u.identifier', 's.student_unique_id')
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
      .where('u.sourced_id', 'in', keys)
      .execute();
    return rows.map((row) => ({ ...row, key: row.sourced_id }));
  },
};

const ACADEMIC_SESSION_FIELDS: Record<string, FieldColumn> = {
  sourcedId: { column: 'key', type: 'text' },
  dateLastModified: { column: 'date_last_modified', type: 'timestamp' },
  schoolYear: { column: 'school_year_text', type: 'text' },
};

/** The school years students are enrolled for; a year appears with its first association. */
export const academicSessionSource: CollectionSource<OneRosterAcademicSessionRow> = {
  fields: ACADEMIC_SESSION_FIELDS,
  keys: (db) =>
    db
      .selectFrom('student_school_associations')
      .select([
        sql<string>`'school-year-' || school_year`.as('key'),
        'school_year as seq',
        sql<string>`school_year::text`.as('school_year_text'),
        (eb) => eb.fn.min('created_at').as('date_last_modified'),
      ])
      .groupBy('school_year'),
  rows: async (db, keys) => {
    const years = keys.map((k) => Number(k.replace('school-year-', ''))).filter(Number.isInteger);
    const rows = await db
      .selectFrom('student_school_associations')
      .select(['school_year', (eb) => eb.fn.min('created_at').as('date_last_modified')])
      .where('school_year', 'in', years)
      .groupBy('school_year')
      .execute();
    return rows.map((row) => ({
      school_year: row.school_year,
      date_last_modified: row.date_last_modified as Date,
      key: `school-year-${row.school_year}`,
    }));
  },
};

/** Whether `sourcedId` names a school org. */
export async function isSchool(db: Kysely<Database>, sourcedId: string): Promise<boolean> {
  const row = await db
    .selectFrom('orgs')
    .select('sourced_id')
    .where('sourced_id', '=', sourcedId)
    .where('type', '=', 'school')
    .executeTakeFirst();
  return row !== undefined;
}
