import { type Kysely, sql } from 'kysely';

// Coach onboarding: profile and business details, background checks, training quiz attempts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('coach_profiles')
    .addColumn('coach_id', 'text', (col) => col.primaryKey())
    .addColumn('user_sourced_id', 'text', (col) => col.references('users.sourced_id'))
    .addColumn('first_name', 'text', (col) => col.notNull())
    .addColumn('last_name', 'text', (col) => col.notNull())
    .addColumn('email', 'text', (col) => col.notNull().unique())
    .addColumn('phone', 'text')
    .addColumn('sport_specialties', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(sport_specialties) = 'array'`),
    )
    .addColumn('location_preferences', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(location_preferences) = 'array'`),
    )
    .addColumn('max_students', 'integer', (col) => col.check(sql`max_students > 0`))
    .addColumn('llc_name', 'text')
    .addColumn('ein', 'text', (col) => col.check(sql`ein ~ '^[0-9]{2}-[0-9]{7}$'`))
    .addColumn('insurance_provider', 'text')
    .addColumn('insurance_policy_number', 'text')
    .addColumn('insurance_expires_on', 'date')
    .addColumn('background_check_status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('not_started')
        .check(
          sql`background_check_status in ('not_started', 'pending', 'passed', 'failed', 'needs_review', 'expired')`,
        ),
    )
    .addColumn('onboarding_status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('not_started')
        .check(sql`onboarding_status in ('not_started', 'in_progress', 'completed', 'expired')`),
    )
    .addColumn('school_id', 'bigint', (col) => col.references('schools.school_id'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('background_checks')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('coach_id', 'text', (col) => col.notNull().references('coach_profiles.coach_id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('provider_reference', 'text', (col) => col.unique())
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('pending', 'passed', 'failed', 'needs_review', 'expired')`),
    )
    .addColumn('requested_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('result', 'jsonb')
    .execute();
  await db.schema.createIndex('background_checks_coach_id_idx').on('background_checks').column('coach_id').execute();

  await db.schema
    .createTable('quiz_attempts')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('coach_id', 'text', (col) => col.notNull().references('coach_profiles.coach_id').onDelete('cascade'))
    .addColumn('attempt_number', 'integer', (col) => col.notNull().check(sql`attempt_number > 0`))
    .addColumn('score_percent', 'numeric(5, 2)', (col) => col.notNull().check(sql`score_percent between 0 and 100`))
    .addColumn('passed', 'boolean', (col) => col.notNull())
    .addColumn('attempted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('quiz_attempts_coach_attempt_key', ['coach_id', 'attempt_number'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('quiz_attempts').execute();
  await db.schema.dropTable('background_checks').execute();
  await db.schema.dropTable('coach_profiles').execute();
}
