import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import {
  toEdFiStudent,
  toEdFiStudentEducationOrganizationAssociation,
  toEdFiStudentSchoolAssociation,
} from '../../standards';
import { toEdFiContact, toEdFiSchool, toEdFiStudentContactAssociation } from '../../standards/edfi-api/mapping';
import type { Database } from '../schema';
import { guardianUsers, studentGuardianLinks } from './guardians';

export type EdFiResourceName =
  | 'students'
  | 'studentSchoolAssociations'
  | 'studentEducationOrganizationAssociations'
  | 'schools'
  | 'contacts'
  | 'studentContactAssociations';

export interface NaturalKeyParam {
  column: string;
  type: 'text' | 'integer' | 'date';
}

/**
 * One Ed-Fi resource: its rows as a query with `edfi_id` (the resource id), `seq` (an immutable order for stable
 * pages) and `change_version`, the natural-key query parameters, and its JSON.
 */
export interface EdFiResource {
  name: EdFiResourceName;
  keys: Record<string, NaturalKeyParam>;
  rows(db: Kysely<Database>): any;
  toJson(row: any): object;
  /** An indexed column that narrows a page's rows when `seq` is an expression (student-contact links). */
  pageBy?: { column: string; of(seq: number): number };
}

/**
 * The resource id is a UUID derived from the resource name and its natural key, computed in SQL for live rows and
 * for deletes alike (the delete triggers store the same jsonb key), so a client matches a delete to what it holds.
 */
const edfiId = (resource: EdFiResourceName, key: ReturnType<typeof sql>) =>
  sql<string>`md5(${resource} || ':' || (${key})::text)::uuid`.as('edfi_id');

export const EDFI_RESOURCES: Record<EdFiResourceName, EdFiResource> = {
  students: {
    name: 'students',
    keys: { studentUniqueId: { column: 'student_unique_id', type: 'text' } },
    rows: (db) =>
      db
        .selectFrom('students')
        .selectAll()
        .select([
          'student_usi as seq',
          edfiId('students', sql`jsonb_build_object('studentUniqueId', student_unique_id)`),
        ]),
    toJson: toEdFiStudent,
  },
  studentSchoolAssociations: {
    name: 'studentSchoolAssociations',
    keys: {
      studentUniqueId: { column: 'student_unique_id', type: 'text' },
      schoolId: { column: 'school_id', type: 'integer' },
      entryDate: { column: 'entry_date', type: 'date' },
    },
    rows: (db) =>
      db
        .selectFrom('student_school_associations')
        .selectAll()
        .select([
          'id as seq',
          edfiId(
            'studentSchoolAssociations',
            sql`jsonb_build_object('studentUniqueId', student_unique_id, 'schoolId', school_id, 'entryDate', entry_date)`,
          ),
        ]),
    toJson: toEdFiStudentSchoolAssociation,
  },
  studentEducationOrganizationAssociations: {
    name: 'studentEducationOrganizationAssociations',
    keys: {
      studentUniqueId: { column: 'student_unique_id', type: 'text' },
      educationOrganizationId: { column: 'education_organization_id', type: 'integer' },
    },
    rows: (db) =>
      db
        .selectFrom('student_education_organization_associations')
        .selectAll()
        .select([
          'id as seq',
          edfiId(
            'studentEducationOrganizationAssociations',
            sql`jsonb_build_object('studentUniqueId', student_unique_id, 'educationOrganizationId', education_organization_id)`,
          ),
        ]),
    toJson: toEdFiStudentEducationOrganizationAssociation,
  },
  schools: {
    name: 'schools',
    keys: { schoolId: { column: 'school_id', type: 'integer' } },
    rows: (db) =>
      db
        .selectFrom('schools')
        .selectAll()
        .select(['school_id as seq', edfiId('schools', sql`jsonb_build_object('schoolId', school_id)`)]),
    toJson: toEdFiSchool,
  },
  contacts: {
    name: 'contacts',
    keys: { contactUniqueId: { column: 'contact_unique_id', type: 'text' } },
    rows: (db) =>
      db
        .selectFrom(guardianUsers(db).as('g'))
        .selectAll()
        .select([
          'g.row_seq as seq',
          edfiId('contacts', sql`jsonb_build_object('contactUniqueId', g.contact_unique_id)`),
        ]),
    toJson: toEdFiContact,
  },
  studentContactAssociations: {
    name: 'studentContactAssociations',
    keys: {
      studentUniqueId: { column: 'student_unique_id', type: 'text' },
      contactUniqueId: { column: 'contact_unique_id', type: 'text' },
    },
    rows: (db) =>
      db
        .selectFrom(studentGuardianLinks(db).as('l'))
        .selectAll()
        .select([
          // A student lists a handful of guardians: its row order, then the order of its agents.
          sql<number>`l.student_row_seq * 1000 + l.link_ordinal`.as('seq'),
          edfiId(
            'studentContactAssociations',
            sql`jsonb_build_object('studentUniqueId', l.student_unique_id, 'contactUniqueId', l.contact_unique_id)`,
          ),
        ]),
    toJson: toEdFiStudentContactAssociation,
    pageBy: { column: 'student_row_seq', of: (seq) => Math.floor(seq / 1000) },
  },
};

export interface EdFiQuery {
  keys: Record<string, string | number>;
  limit: number;
  offset: number;
  totalCount: boolean;
  /** Inclusive bounds, the upper one already capped at the newest committed version. */
  changeVersions?: { min: number; max: number };
}

export async function readEdFiPage(db: Kysely<Database>, resource: EdFiResource, query: EdFiQuery) {
  const base = (db as unknown as Kysely<any>)
    .selectFrom(resource.rows(db).as('r'))
    .where((eb: ExpressionBuilder<any, any>) =>
      eb.and(Object.entries(query.keys).map(([param, value]) => eb(`r.${resource.keys[param]!.column}`, '=', value))),
    )
    .$if(query.changeVersions !== undefined, (qb) =>
      qb
        .where('r.change_version', '>=', query.changeVersions!.min)
        .where('r.change_version', '<=', query.changeVersions!.max),
    );
  // The page's keys first, then its rows: an offset then skips index entries, not whole resources built and dropped.
  const pageRows = async () => {
    if (query.limit === 0) return [];
    const keys: { seq: number }[] = await base
      .select('r.seq')
      .orderBy('r.seq')
      .offset(query.offset)
      .limit(query.limit)
      .execute();
    if (keys.length === 0) return [];
    const seqs = keys.map((k) => Number(k.seq));
    const { pageBy } = resource;
    return (db as unknown as Kysely<any>)
      .selectFrom(resource.rows(db).as('r'))
      .selectAll()
      .$if(pageBy !== undefined, (qb) => qb.where(`r.${pageBy!.column}`, 'in', [...new Set(seqs.map(pageBy!.of))]))
      .where('r.seq', 'in', seqs)
      .orderBy('r.seq')
      .execute();
  };
  const [rows, count] = await Promise.all([
    pageRows(),
    query.totalCount
      ? base.select((eb: ExpressionBuilder<any, any>) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
      : undefined,
  ]);
  return {
    items: (rows as any[]).map((row) => ({ id: row.edfi_id as string, ...resource.toJson(row) })),
    total: count === undefined ? undefined : Number((count as { n: string | number }).n),
  };
}

export async function readEdFiById(db: Kysely<Database>, resource: EdFiResource, id: string) {
  const row = await (db as unknown as Kysely<any>)
    .selectFrom(resource.rows(db).as('r'))
    .selectAll()
    .where('r.edfi_id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.edfi_id as string, ...resource.toJson(row) };
}

export async function readEdFiDeletes(
  db: Kysely<Database>,
  resource: EdFiResourceName,
  query: Omit<EdFiQuery, 'keys'>,
) {
  const base = db
    .selectFrom('edfi_deletes')
    .where('resource', '=', resource)
    .$if(query.changeVersions !== undefined, (qb) =>
      qb
        .where('change_version', '>=', query.changeVersions!.min)
        .where('change_version', '<=', query.changeVersions!.max),
    );
  const [rows, count] = await Promise.all([
    query.limit === 0
      ? []
      : base
          .select([
            'change_version',
            'key_values',
            sql<string>`md5(resource || ':' || key_values::text)::uuid`.as('id'),
          ])
          .orderBy('change_version')
          .offset(query.offset)
          .limit(query.limit)
          .execute(),
    query.totalCount ? base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow() : undefined,
  ]);
  return {
    items: rows.map((row) => ({ id: row.id, changeVersion: Number(row.change_version), keyValues: row.key_values })),
    total: count === undefined ? undefined : Number(count.n),
  };
}
