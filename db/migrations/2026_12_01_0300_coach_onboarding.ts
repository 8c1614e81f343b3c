import { type Kysely, sql } from 'kysely';

// What the coach onboarding workflow projects beyond migration 0003: the profile's bio, step and version, a failed
// onboarding, the provider's side of each background check, quiz answers, and the webhook events already received.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('coach_profiles')
    .addColumn('bio', 'text')
    .addColumn('current_step', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('failure_reason', 'text')
    .addColumn('projection_version', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();
  await sql`alter table coach_profiles drop constraint coach_profiles_onboarding_status_check`.execute(db);
  await sql`alter table coach_profiles add constraint coach_profiles_onboarding_status_check
    check (onboarding_status in ('not_started', 'in_progress', 'completed', 'failed', 'expired'))`.execute(db);

  await db.schema
    .alterTable('background_checks')
    // `{coachId}:{n}`: the n-th request of a coach (ops may re-request an expired one), written once.
    .addColumn('request_key', 'text', (col) => col.unique())
    .addColumn('candidate_id', 'text')
    .addColumn('invitation_id', 'text')
    .addColumn('report_id', 'text')
    .addColumn('report_status', 'text')
    .addColumn('report_result', 'text')
    .addColumn('adjudication', 'text')
    .addColumn('legal_first_name', 'text')
    .addColumn('legal_last_name', 'text')
    .addColumn('birth_date', 'date')
    // Nothing more of the SSN is ever stored.
    .addColumn('ssn_last4', 'text', (col) => col.check(sql`ssn_last4 ~ '^[0-9]{4}$'`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('background_checks_candidate_id_idx')
    .on('background_checks')
    .column('candidate_id')
    .execute();

  await db.schema
    .alterTable('quiz_attempts')
    .addColumn('attempt_id', 'text', (col) => col.unique())
    .addColumn('question_ids', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('answers', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('correct_count', 'integer')
    .addColumn('started_at', 'timestamptz')
    .addColumn('duration_ms', 'integer', (col) => col.check(sql`duration_ms >= 0`))
    .execute();

  // Deliveries are at-least-once and the signature carries no timestamp: the event id is the only guard.
  await db.schema
    .createTable('background_check_events')
    .addColumn('event_id', 'text', (col) => col.primaryKey())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('object_id', 'text')
    .addColumn('candidate_id', 'text')
    .addColumn('coach_id', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('background_check_events').execute();
  await db.schema
    .alterTable('quiz_attempts')
    .dropColumn('attempt_id')
    .dropColumn('question_ids')
    .dropColumn('answers')
    .dropColumn('correct_count')
    .dropColumn('started_at')
    .dropColumn('duration_ms')
    .execute();
  await db.schema.dropIndex('background_checks_candidate_id_idx').execute();
  await db.schema
    .alterTable('background_checks')
    .dropColumn('request_key')
    .dropColumn('candidate_id')
    .dropColumn('invitation_id')
    .dropColumn('report_id')
    .dropColumn('report_status')
    .dropColumn('report_result')
    .dropColumn('adjudication')
    .dropColumn('legal_first_name')
    .dropColumn('legal_last_name')
    .dropColumn('birth_date')
    .dropColumn('ssn_last4')
    .dropColumn('updated_at')
    .execute();
  await sql`update coach_profiles set onboarding_status = 'expired' where onboarding_status = 'failed'`.execute(db);
  await sql`alter table coach_profiles drop constraint coach_profiles_onboarding_status_check`.execute(db);
  await sql`alter table coach_profiles add constraint coach_profiles_onboarding_status_check
    check (onboarding_status in ('not_started', 'in_progress', 'completed', 'expired'))`.execute(db);
  await db.schema
    .alterTable('coach_profiles')
    .dropColumn('bio')
    .dropColumn('current_step')
    .dropColumn('failure_reason')
    .dropColumn('projection_version')
    .execute();
}
