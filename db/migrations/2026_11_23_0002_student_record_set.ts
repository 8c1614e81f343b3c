import { type Kysely, sql } from 'kysely';

// The student record set created at enrollment step 4: Ed-Fi Student, its education-organization and school
// associations, and the TSA extension. One set per enrollment (students.enrollment_id is the idempotency key).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('students')
    .addColumn('student_usi', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('student_unique_id', 'text', (col) => col.notNull().unique())
    .addColumn('enrollment_id', 'text', (col) => col.notNull().unique())
    .addColumn('first_name', 'text', (col) => col.notNull())
    .addColumn('middle_name', 'text')
    .addColumn('last_name', 'text', (col) => col.notNull())
    .addColumn('birth_date', 'date', (col) => col.notNull())
    .addColumn('birth_sex_descriptor', 'text', (col) => col.notNull())
    .addColumn('hispanic_latino_ethnicity', 'boolean', (col) => col.notNull())
    .addColumn('races', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(races) = 'array'`),
    )
    .addColumn('source_system_descriptor', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('student_education_organization_associations')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('student_unique_id', 'text', (col) =>
      col.notNull().references('students.student_unique_id').onDelete('cascade'),
    )
    .addColumn('education_organization_id', 'bigint', (col) => col.notNull())
    .addColumn('sex_descriptor', 'text', (col) => col.notNull())
    .addColumn('races', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(races) = 'array'`),
    )
    .addColumn('hispanic_latino_ethnicity', 'boolean', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('student_education_organization_associations_student_edorg_key', [
      'student_unique_id',
      'education_organization_id',
    ])
    .execute();

  await db.schema
    .createTable('student_school_associations')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('student_unique_id', 'text', (col) =>
      col.notNull().references('students.student_unique_id').onDelete('cascade'),
    )
    .addColumn('school_id', 'bigint', (col) => col.notNull().references('schools.school_id'))
    .addColumn('entry_date', 'date', (col) => col.notNull())
    .addColumn('entry_grade_level_descriptor', 'text', (col) => col.notNull())
    .addColumn('entry_type_descriptor', 'text', (col) => col.notNull())
    .addColumn('school_year', 'integer', (col) => col.notNull())
    .addColumn('primary_school', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('exit_withdraw_date', 'date')
    .addColumn('exit_withdraw_type_descriptor', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('student_school_associations_student_school_key', ['student_unique_id', 'school_id'])
    .execute();
  await db.schema
    .createIndex('student_school_associations_school_id_idx')
    .on('student_school_associations')
    .column('school_id')
    .execute();

  await db.schema
    .createTable('tsa_student_extensions')
    .addColumn('student_unique_id', 'text', (col) =>
      col.primaryKey().references('students.student_unique_id').onDelete('cascade'),
    )
    .addColumn('sport_interests', 'jsonb', (col) => col.notNull().check(sql`jsonb_typeof(sport_interests) = 'array'`))
    .addColumn('enrollment_status', 'text', (col) =>
      col.notNull().check(sql`enrollment_status in ('registered', 'enrolled', 'withdrawn')`),
    )
    .addColumn('assigned_program_track', 'text')
    .addColumn('grade_level_at_enrollment', 'text', (col) => col.notNull())
    .addColumn('expected_start_date', 'date')
    .addColumn('referring_coach_id', 'text')
    .addColumn('invitation_id', 'text')
    .addColumn('parent_consultation_completed', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('required_documents_complete', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('deposit_paid', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('enrollment_completed_date', 'date')
    .addColumn('custom_data', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'{}'::jsonb`)
        .check(sql`jsonb_typeof(custom_data) = 'object'`),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tsa_student_extensions').execute();
  await db.schema.dropTable('student_school_associations').execute();
  await db.schema.dropTable('student_education_organization_associations').execute();
  await db.schema.dropTable('students').execute();
}
