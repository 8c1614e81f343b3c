import { type Kysely, sql } from 'kysely';

// The API's audit log. Append-only for every role, the owner included: triggers refuse UPDATE, DELETE and TRUNCATE.
// They are ENABLE ALWAYS so they fire under session_replication_role = replica too. The function is shared with
// timeline_change_events (next migration).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('target', 'text')
    .addColumn('request_id', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('details', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'{}'::jsonb`)
        .check(sql`jsonb_typeof(details) = 'object'`),
    )
    .execute();
  await db.schema.createIndex('audit_log_occurred_at_idx').on('audit_log').column('occurred_at').execute();
  await db.schema
    .createIndex('audit_log_actor_occurred_at_idx')
    .on('audit_log')
    .columns(['actor', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('audit_log_target_occurred_at_idx')
    .on('audit_log')
    .columns(['target', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('audit_log_action_occurred_at_idx')
    .on('audit_log')
    .columns(['action', 'occurred_at'])
    .execute();

  await sql`
    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % is not allowed', tg_table_name, tg_op using errcode = 'restrict_violation';
    end;
    $$
  `.execute(db);
  await sql`
    create trigger audit_log_append_only_row before update or delete on audit_log
    for each row execute function audit_log_append_only()
  `.execute(db);
  await sql`
    create trigger audit_log_append_only_truncate before truncate on audit_log
    for each statement execute function audit_log_append_only()
  `.execute(db);
  await sql`alter table audit_log enable always trigger audit_log_append_only_row`.execute(db);
  await sql`alter table audit_log enable always trigger audit_log_append_only_truncate`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_log_append_only_truncate on audit_log`.execute(db);
  await sql`drop trigger audit_log_append_only_row on audit_log`.execute(db);
  await db.schema.dropTable('audit_log').execute();
  await sql`drop function audit_log_append_only()`.execute(db);
}
