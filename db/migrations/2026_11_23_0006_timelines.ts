import { type Kysely, sql } from 'kysely';

// Coach launch timelines: templates, the current steps (projection) and the append-only change events they are
// folded from. The default template is seeded here.
const defaultMicroschoolSteps = [
  {
    key: 'legal_entity',
    name: 'Form the legal entity',
    description: 'Register the LLC, obtain an EIN and open a business bank account.',
    category: 'legal',
    offsetDaysBeforeLaunch: 120,
    dependsOn: [],
  },
  {
    key: 'insurance',
    name: 'Secure insurance',
    description: 'Obtain general and professional liability coverage naming the microschool.',
    category: 'compliance',
    offsetDaysBeforeLaunch: 100,
    dependsOn: [{ key: 'legal_entity', type: 'hard' }],
  },
  {
    key: 'facility',
    name: 'Secure a facility',
    description: 'Lease or partner for classroom and training space; confirm occupancy and safety requirements.',
    category: 'facility',
    offsetDaysBeforeLaunch: 90,
    dependsOn: [
      { key: 'legal_entity', type: 'hard' },
      { key: 'insurance', type: 'soft' },
    ],
  },
  {
    key: 'curriculum',
    name: 'Set up the curriculum',
    description: 'Choose the academic program, plan the daily schedule and the sports training blocks.',
    category: 'academics',
    offsetDaysBeforeLaunch: 75,
    dependsOn: [],
  },
  {
    key: 'marketing',
    name: 'Launch marketing',
    description: 'Publish the school page, hold information sessions and reach families in the community.',
    category: 'marketing',
    offsetDaysBeforeLaunch: 60,
    dependsOn: [
      { key: 'facility', type: 'soft' },
      { key: 'curriculum', type: 'soft' },
    ],
  },
  {
    key: 'enrollment',
    name: 'Open enrollment',
    description: 'Invite parents, hold consultations and confirm deposits for the first cohort.',
    category: 'enrollment',
    offsetDaysBeforeLaunch: 45,
    dependsOn: [
      { key: 'insurance', type: 'hard' },
      { key: 'facility', type: 'hard' },
      { key: 'marketing', type: 'soft' },
    ],
  },
  {
    key: 'staffing',
    name: 'Staff the school',
    description: 'Hire or assign assistant coaches and guides and complete their background checks.',
    category: 'staffing',
    offsetDaysBeforeLaunch: 30,
    dependsOn: [
      { key: 'legal_entity', type: 'hard' },
      { key: 'enrollment', type: 'soft' },
    ],
  },
  {
    key: 'launch',
    name: 'Launch',
    description: 'Open the doors: first day of school for the founding cohort.',
    category: 'launch',
    offsetDaysBeforeLaunch: 0,
    dependsOn: [
      { key: 'curriculum', type: 'hard' },
      { key: 'enrollment', type: 'hard' },
      { key: 'staffing', type: 'hard' },
    ],
  },
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('timeline_templates')
    .addColumn('template_id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('steps', 'jsonb', (col) => col.notNull().check(sql`jsonb_typeof(steps) = 'array'`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('timeline_steps')
    .addColumn('timeline_id', 'text', (col) => col.notNull())
    .addColumn('step_id', 'text', (col) => col.notNull())
    .addColumn('coach_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('category', 'text')
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('not_started', 'in_progress', 'blocked', 'completed', 'skipped')`),
    )
    .addColumn('order_index', 'double precision', (col) => col.notNull())
    .addColumn('due_date', 'date')
    .addColumn('dependencies', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(dependencies) = 'array'`),
    )
    .addColumn('next_actions', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(next_actions) = 'array'`),
    )
    .addColumn('notes', 'text')
    .addColumn('resources', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(resources) = 'array'`),
    )
    .addColumn('tags', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'[]'::jsonb`)
        .check(sql`jsonb_typeof(tags) = 'array'`),
    )
    .addColumn('completed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('timeline_steps_pkey', ['timeline_id', 'step_id'])
    .execute();
  await db.schema
    .createIndex('timeline_steps_timeline_id_order_index_idx')
    .on('timeline_steps')
    .columns(['timeline_id', 'order_index'])
    .execute();
  await db.schema.createIndex('timeline_steps_coach_id_idx').on('timeline_steps').column('coach_id').execute();

  await db.schema
    .createTable('timeline_change_events')
    .addColumn('timeline_id', 'text', (col) => col.notNull())
    .addColumn('sequence', 'integer', (col) => col.notNull())
    .addColumn('change_type', 'text', (col) => col.notNull())
    .addColumn('step_id', 'text')
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .addColumn('reason', 'text')
    .addColumn('triggered_by', 'text', (col) => col.notNull().check(sql`triggered_by in ('coach', 'mentor', 'system')`))
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('timeline_change_events_pkey', ['timeline_id', 'sequence'])
    .execute();
  // Append-only, as audit_log (whose migration created the function).
  await sql`
    create trigger timeline_change_events_append_only_row before update or delete on timeline_change_events
    for each row execute function audit_log_append_only()
  `.execute(db);
  await sql`
    create trigger timeline_change_events_append_only_truncate before truncate on timeline_change_events
    for each statement execute function audit_log_append_only()
  `.execute(db);
  await sql`alter table timeline_change_events enable always trigger timeline_change_events_append_only_row`.execute(
    db,
  );
  await sql`alter table timeline_change_events enable always trigger timeline_change_events_append_only_truncate`.execute(
    db,
  );

  await sql`
    insert into timeline_templates (template_id, name, version, steps)
    values ('default_microschool_v1', 'Default microschool launch', 1, ${JSON.stringify(defaultMicroschoolSteps)}::jsonb)
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger timeline_change_events_append_only_truncate on timeline_change_events`.execute(db);
  await sql`drop trigger timeline_change_events_append_only_row on timeline_change_events`.execute(db);
  await db.schema.dropTable('timeline_change_events').execute();
  await db.schema.dropTable('timeline_steps').execute();
  await db.schema.dropTable('timeline_templates').execute();
}
