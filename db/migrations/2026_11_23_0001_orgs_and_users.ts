import { type Kysely, sql } from 'kysely';

// OneRoster orgs and users, Ed-Fi schools, and the TSA network with its default school (school_id 1), so
// invitations work before any coach has onboarded.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orgs')
    .addColumn('sourced_id', 'text', (col) => col.primaryKey())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'tobedeleted')`),
    )
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) =>
      col.notNull().check(sql`type in ('department', 'school', 'district', 'local', 'state', 'national')`),
    )
    .addColumn('identifier', 'text')
    .addColumn('parent_sourced_id', 'text', (col) => col.references('orgs.sourced_id'))
    .addColumn('metadata', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'{}'::jsonb`)
        .check(sql`jsonb_typeof(metadata) = 'object'`),
    )
    .addColumn('date_last_modified', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('schools')
    .addColumn('school_id', 'bigint', (col) => col.primaryKey())
    .addColumn('org_sourced_id', 'text', (col) => col.notNull().unique().references('orgs.sourced_id'))
    .addColumn('name_of_institution', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // Ids for new microschools; below 1000 stays free for seeded schools.
  await sql`create sequence school_id_seq start 1000`.execute(db);

  await db.schema
    .createTable('users')
    .addColumn('sourced_id', 'text', (col) => col.primaryKey())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'tobedeleted')`),
    )
    .addColumn('enabled_user', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('username', 'text', (col) => col.unique())
    .addColumn('given_name', 'text', (col) => col.notNull())
    .addColumn('family_name', 'text', (col) => col.notNull())
    .addColumn('middle_name', 'text')
    .addColumn('role', 'text', (col) =>
      col
        .notNull()
        .check(
          sql`role in ('administrator', 'aide', 'guardian', 'parent', 'proctor', 'relative', 'student', 'teacher')`,
        ),
    )
    .addColumn('identifier', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('birth_date', 'date')
    .addColumn('org_ids', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(org_ids) = 'array'`),
    )
    .addColumn('grades', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(grades) = 'array'`),
    )
    .addColumn('agents', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(agents) = 'array'`),
    )
    .addColumn('model_metadata', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'{}'::jsonb`)
        .check(sql`jsonb_typeof(model_metadata) = 'object'`),
    )
    .addColumn('date_last_modified', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('users_role_idx').on('users').column('role').execute();
  await db.schema.createIndex('users_email_idx').on('users').column('email').execute();

  await db.schema
    .createTable('user_org_associations')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('user_sourced_id', 'text', (col) => col.notNull().references('users.sourced_id').onDelete('cascade'))
    .addColumn('org_sourced_id', 'text', (col) => col.notNull().references('orgs.sourced_id').onDelete('cascade'))
    .addColumn('role', 'text', (col) =>
      col
        .notNull()
        .check(sql`role in ('head_coach', 'assistant_coach', 'administrator', 'staff', 'student', 'parent')`),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('user_org_associations_user_org_role_key', ['user_sourced_id', 'org_sourced_id', 'role'])
    .execute();
  await db.schema
    .createIndex('user_org_associations_org_sourced_id_idx')
    .on('user_org_associations')
    .column('org_sourced_id')
    .execute();

  await sql`
    insert into orgs (sourced_id, name, type, identifier, parent_sourced_id) values
      ('tsa-network', 'Texas Sports Academy', 'district', null, null),
      ('school-1', 'TSA Default School', 'school', '1', 'tsa-network')
  `.execute(db);
  await sql`insert into schools (school_id, org_sourced_id, name_of_institution) values (1, 'school-1', 'TSA Default School')`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('user_org_associations').execute();
  await db.schema.dropTable('users').execute();
  await sql`drop sequence school_id_seq`.execute(db);
  await db.schema.dropTable('schools').execute();
  await db.schema.dropTable('orgs').execute();
}
