import { type Kysely, sql } from 'kysely';

// Invitations (a parent's credential to start an enrollment), the enrollments projection read by parent-facing
// and operator lists, and the notification outbox.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('invitations')
    .addColumn('invitation_id', 'text', (col) => col.primaryKey())
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('coach_id', 'text')
    .addColumn('parent_email', 'text', (col) => col.notNull())
    .addColumn('school_id', 'bigint', (col) => col.notNull().references('schools.school_id'))
    .addColumn('sport', 'text')
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'redeemed', 'expired', 'revoked')`),
    )
    .addColumn('enrollment_id', 'text', (col) => col.unique())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('redeemed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('invitations_coach_id_idx').on('invitations').column('coach_id').execute();

  await db.schema
    .createTable('enrollments')
    .addColumn('enrollment_id', 'text', (col) => col.primaryKey())
    .addColumn('invitation_id', 'text', (col) => col.notNull().unique().references('invitations.invitation_id'))
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('in_progress', 'registered', 'enrolled', 'cancelled', 'expired')`),
    )
    .addColumn('current_step', 'integer', (col) => col.notNull().check(sql`current_step between 1 and 6`))
    .addColumn('coach_id', 'text')
    .addColumn('school_id', 'bigint', (col) => col.notNull().references('schools.school_id'))
    // No foreign key: the id is shown while the records are still being created, or after their creation failed.
    .addColumn('student_unique_id', 'text')
    .addColumn('student_records_status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('not_started')
        .check(sql`student_records_status in ('not_started', 'creating', 'created', 'failed')`),
    )
    .addColumn('student_records_error', 'text')
    .addColumn('student_records_attempts', 'integer', (col) =>
      col
        .notNull()
        .defaultTo(0)
        .check(sql`student_records_attempts >= 0`),
    )
    .addColumn('projection_version', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('enrollments_student_records_status_updated_at_idx')
    .on('enrollments')
    .columns(['student_records_status', 'updated_at'])
    .execute();
  await db.schema
    .createIndex('enrollments_status_updated_at_idx')
    .on('enrollments')
    .columns(['status', 'updated_at'])
    .execute();
  await db.schema.createIndex('enrollments_coach_id_idx').on('enrollments').column('coach_id').execute();
  await db.schema.createIndex('enrollments_school_id_idx').on('enrollments').column('school_id').execute();
  await db.schema.createIndex('enrollments_updated_at_idx').on('enrollments').column('updated_at').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('dedupe_key', 'text', (col) => col.notNull().unique())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('recipient', 'text', (col) => col.notNull())
    .addColumn('enrollment_id', 'text')
    .addColumn('payload', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'{}'::jsonb`)
        .check(sql`jsonb_typeof(payload) = 'object'`),
    )
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'sent', 'failed')`),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('notifications_status_created_at_idx')
    .on('notifications')
    .columns(['status', 'created_at'])
    .execute();
  await db.schema.createIndex('notifications_enrollment_id_idx').on('notifications').column('enrollment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute();
  await db.schema.dropTable('enrollments').execute();
  await db.schema.dropTable('invitations').execute();
}
