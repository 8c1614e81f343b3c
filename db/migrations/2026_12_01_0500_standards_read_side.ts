import { type Kysely, sql } from 'kysely';

// The read side of the standards (OneRoster 1.2 REST and CSV, Ed-Fi resources with change queries):
// - api_clients: OAuth 2.0 client-credentials clients registered by ops, secrets stored as scrypt hashes;
// - row_seq on users and orgs: an immutable order, so offset paging does not shift when rows are updated;
// - change_version on every row an Ed-Fi resource is read from, and edfi_deletes for rows that are gone.
//
// Change versions come from one sequence, but a sequence value read at insert is not commit order: a transaction
// that took version 10 may commit after one that took 11. Every writer therefore registers its first version as a
// transaction-level advisory lock (class 1702, key = that version), visible to all sessions in pg_locks until it
// commits or rolls back. A reader exposes only versions below the oldest registered writer (see
// db/repositories/change-versions.ts). The short shared lock (1701, 0) around nextval and the registration lets the
// reader take a consistent look at the sequence and pg_locks: no writer is ever between the two steps while it looks.
// The advisory keys are int4, so this scheme holds for 2^31 change versions.
const VERSIONED = [
  'students',
  'student_school_associations',
  'student_education_organization_associations',
  'schools',
  'users',
  'orgs',
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_clients')
    .addColumn('client_id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('secret_hash', 'text', (col) => col.notNull())
    .addColumn('scopes', 'jsonb', (col) => col.notNull().check(sql`jsonb_typeof(scopes) = 'array'`))
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await sql`create sequence change_version_seq`.execute(db);
  await sql`
    create function tsa_assign_change_version() returns trigger language plpgsql as $$
    declare
      version bigint;
    begin
      perform pg_advisory_lock_shared(1701, 0);
      version := nextval('change_version_seq');
      if current_setting('tsa.change_writer', true) is distinct from txid_current()::text then
        perform pg_advisory_xact_lock_shared(1702, version::int);
        perform set_config('tsa.change_writer', txid_current()::text, true);
      end if;
      perform pg_advisory_unlock_shared(1701, 0);
      new.change_version := version;
      return new;
    end;
    $$
  `.execute(db);

  for (const table of VERSIONED) {
    // A volatile default fills the existing rows, each with its own version.
    await sql`alter table ${sql.table(table)} add column change_version bigint not null default nextval('change_version_seq')`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} alter column change_version drop default`.execute(db);
    await sql`create index ${sql.id(`${table}_change_version_idx`)} on ${sql.table(table)} (change_version)`.execute(
      db,
    );
    await sql`
      create trigger ${sql.id(`${table}_change_version`)} before insert or update on ${sql.table(table)}
      for each row execute function tsa_assign_change_version()
    `.execute(db);
  }

  for (const table of ['users', 'orgs']) {
    await sql`alter table ${sql.table(table)} add column row_seq bigint generated always as identity`.execute(db);
    await sql`create unique index ${sql.id(`${table}_row_seq_idx`)} on ${sql.table(table)} (row_seq) include (sourced_id)`.execute(
      db,
    );
  }
  await sql`create index users_role_row_seq_idx on users (role, row_seq) include (sourced_id)`.execute(db);
  await sql`create index users_org_ids_idx on users using gin (org_ids jsonb_path_ops)`.execute(db);

  await db.schema
    .createTable('edfi_deletes')
    .addColumn('change_version', 'bigint', (col) => col.primaryKey())
    .addColumn('resource', 'text', (col) => col.notNull())
    .addColumn('key_values', 'jsonb', (col) => col.notNull().check(sql`jsonb_typeof(key_values) = 'object'`))
    .addColumn('deleted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('edfi_deletes_resource_version_idx')
    .on('edfi_deletes')
    .columns(['resource', 'change_version'])
    .execute();
  await sql`
    create trigger edfi_deletes_change_version before insert on edfi_deletes
    for each row execute function tsa_assign_change_version()
  `.execute(db);

  // The natural key of each deleted row, named as the Ed-Fi resource names it. A contact's unique id is derived from
  // its user's sourced id as standards/edfi-api derives it (Ed-Fi allows 32 characters).
  await sql`
    create function tsa_record_edfi_delete() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'students' then
        insert into edfi_deletes (resource, key_values, change_version)
        values ('students', jsonb_build_object('studentUniqueId', old.student_unique_id), 0);
      elsif tg_table_name = 'student_school_associations' then
        insert into edfi_deletes (resource, key_values, change_version)
        values ('studentSchoolAssociations', jsonb_build_object('studentUniqueId', old.student_unique_id,
          'schoolId', old.school_id, 'entryDate', old.entry_date), 0);
      elsif tg_table_name = 'student_education_organization_associations' then
        insert into edfi_deletes (resource, key_values, change_version)
        values ('studentEducationOrganizationAssociations', jsonb_build_object('studentUniqueId',
          old.student_unique_id, 'educationOrganizationId', old.education_organization_id), 0);
      elsif tg_table_name = 'schools' then
        insert into edfi_deletes (resource, key_values, change_version)
        values ('schools', jsonb_build_object('schoolId', old.school_id), 0);
      elsif tg_table_name = 'users' and old.role in ('parent', 'guardian') then
        insert into edfi_deletes (resource, key_values, change_version)
        values ('contacts', jsonb_build_object('contactUniqueId', tsa_contact_unique_id(old.sourced_id)), 0);
      end if;
      return old;
    end;
    $$
  `.execute(db);
  await sql`
    create function tsa_contact_unique_id(sourced_id text) returns text language sql immutable as $$
      select 'TSA-CON-' || left(encode(sha256(convert_to(sourced_id, 'UTF8')), 'hex'), 24)
    $$
  `.execute(db);
  // A student user that no longer lists a guardian among its agents has lost that StudentContactAssociation.
  await sql`
    create function tsa_record_contact_link_delete() returns trigger language plpgsql as $$
    begin
      insert into edfi_deletes (resource, key_values, change_version)
      select 'studentContactAssociations',
        jsonb_build_object('studentUniqueId', old.identifier, 'contactUniqueId', tsa_contact_unique_id(gone.agent)), 0
      from jsonb_array_elements_text(old.agents) as gone(agent)
      where tg_op = 'DELETE' or not new.agents ? gone.agent;
      return null;
    end;
    $$
  `.execute(db);
  for (const table of VERSIONED.filter((t) => t !== 'orgs')) {
    await sql`
      create trigger ${sql.id(`${table}_edfi_delete`)} after delete on ${sql.table(table)}
      for each row execute function tsa_record_edfi_delete()
    `.execute(db);
  }
  await sql`
    create trigger users_contact_link_delete after update of agents or delete on users
    for each row when (old.role = 'student' and old.identifier is not null)
    execute function tsa_record_contact_link_delete()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger users_contact_link_delete on users`.execute(db);
  for (const table of VERSIONED.filter((t) => t !== 'orgs')) {
    await sql`drop trigger ${sql.id(`${table}_edfi_delete`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function tsa_record_contact_link_delete()`.execute(db);
  await sql`drop function tsa_record_edfi_delete()`.execute(db);
  await sql`drop function tsa_contact_unique_id(text)`.execute(db);
  await db.schema.dropTable('edfi_deletes').execute();
  await sql`drop index users_org_ids_idx`.execute(db);
  await sql`drop index users_role_row_seq_idx`.execute(db);
  for (const table of ['users', 'orgs']) {
    await sql`alter table ${sql.table(table)} drop column row_seq`.execute(db);
  }
  for (const table of VERSIONED) {
    await sql`drop trigger ${sql.id(`${table}_change_version`)} on ${sql.table(table)}`.execute(db);
    await sql`alter table ${sql.table(table)} drop column change_version`.execute(db);
  }
  await sql`drop function tsa_assign_change_version()`.execute(db);
  await sql`drop sequence change_version_seq`.execute(db);
  await db.schema.dropTable('api_clients').execute();
}
