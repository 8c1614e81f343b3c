import { type Kysely, sql } from 'kysely';

// Launch timelines, second shape: a `timelines` row per timeline (its header and the last folded sequence), the
// step columns the event-sourced state needs (fractional order key, planned start, duration, priority, assignee),
// who asked for each change event and whether it undid or redid an earlier one, and the default template's second
// version: realistic steps with durations in working days and dependencies with kind, relation and lag.

type Dep = {
  key: string;
  kind: 'hard' | 'soft' | 'conditional';
  relation: 'FS' | 'SS' | 'FF';
  lagDays: number;
  condition?: { field: string; equals: string };
};
const fs = (key: string, kind: Dep['kind'] = 'hard', lagDays = 0): Dep => ({ key, kind, relation: 'FS', lagDays });
const ss = (key: string, kind: Dep['kind'], lagDays: number): Dep => ({ key, kind, relation: 'SS', lagDays });

function step(
  key: string,
  name: string,
  description: string,
  category: string,
  priority: 'low' | 'medium' | 'high' | 'critical',
  durationDays: number,
  dueWorkingDaysBeforeLaunch: number,
  dependsOn: Dep[],
  nextActions: string[],
) {
  return {
    key,
    name,
    description,
    category,
    priority,
    durationDays,
    dueWorkingDaysBeforeLaunch,
    dependsOn,
    nextActions,
  };
}

const defaultMicroschoolStepsV2 = [
  step(
    'legal_entity',
    'Form the legal entity',
    'Register the LLC or nonprofit with the state and adopt its operating agreement.',
    'legal',
    'critical',
    10,
    130,
    [],
    ['Choose the entity type', 'File the articles of organization'],
  ),
  step(
    'ein_banking',
    'Obtain an EIN and open a bank account',
    'Apply for the federal EIN and open the business account tuition will be paid into.',
    'finance',
    'high',
    5,
    120,
    [fs('legal_entity')],
    ['Apply for the EIN online', 'Open the business checking account'],
  ),
  step(
    'insurance',
    'Secure insurance',
    'General liability, professional liability and accident coverage naming the microschool.',
    'compliance',
    'critical',
    10,
    100,
    [fs('legal_entity')],
    ['Request three quotes', 'Bind the general liability policy'],
  ),
  step(
    'facility_search',
    'Find a facility',
    'Shortlist classroom and training spaces that fit the cohort size and the sport.',
    'facility',
    'high',
    20,
    110,
    [],
    ['List spaces within 15 minutes of families', 'Tour the top three'],
  ),
  step(
    'facility_lease',
    'Sign the facility lease',
    'Negotiate and sign the lease or partnership agreement for the space.',
    'facility',
    'critical',
    10,
    90,
    [fs('legal_entity'), fs('facility_search'), fs('insurance', 'soft')],
    ['Have the lease reviewed', 'Sign and pay the deposit'],
  ),
  step(
    'facility_inspection',
    'Pass the facility inspection',
    'Fire, occupancy and safety inspection of the space before students use it.',
    'compliance',
    'critical',
    5,
    70,
    [
      {
        key: 'facility_lease',
        kind: 'conditional',
        relation: 'FS',
        lagDays: 5,
        condition: { field: 'facility_type', equals: 'leased' },
      },
      fs('insurance'),
    ],
    ['Book the fire marshal', 'Fix what the walkthrough finds'],
  ),
  step(
    'curriculum',
    'Set up the curriculum',
    'Choose the academic program and plan the daily schedule around training blocks.',
    'academics',
    'high',
    25,
    60,
    [],
    ['Pick the core academic platform', 'Draft the weekly schedule'],
  ),
  step(
    'sports_program',
    'Design the sports program',
    'Plan the training blocks, season calendar and athlete development goals.',
    'athletics',
    'high',
    15,
    55,
    [ss('curriculum', 'soft', 5)],
    ['Draft the season calendar', 'Set athlete benchmarks'],
  ),
  step(
    'marketing',
    'Launch marketing',
    'Publish the school page, hold information sessions and reach families in the community.',
    'marketing',
    'medium',
    30,
    45,
    [fs('facility_lease', 'soft'), ss('curriculum', 'soft', 10)],
    ['Publish the school page', 'Schedule two information nights'],
  ),
  step(
    'enrollment_opening',
    'Open enrollment',
    'Invite families, hold consultations and confirm deposits for the founding cohort.',
    'enrollment',
    'critical',
    25,
    20,
    [fs('insurance'), fs('facility_inspection'), ss('marketing', 'soft', 10)],
    ['Send the first invitations', 'Hold consultations'],
  ),
  step(
    'staffing',
    'Staff the school',
    'Hire assistant coaches and guides and complete their background checks.',
    'staffing',
    'high',
    20,
    30,
    [fs('legal_entity'), fs('ein_banking'), ss('enrollment_opening', 'soft', 5)],
    ['Post the openings', 'Run background checks'],
  ),
  step(
    'tryouts',
    'Hold tryouts and assessments',
    'Assess enrolled athletes to place them in training groups.',
    'athletics',
    'medium',
    5,
    10,
    [ss('enrollment_opening', 'hard', 10), fs('sports_program')],
    ['Book the field', 'Prepare the assessment sheets'],
  ),
  step(
    'launch',
    'Launch',
    'Open the doors: first day of school for the founding cohort.',
    'launch',
    'critical',
    1,
    0,
    [
      fs('curriculum'),
      { key: 'enrollment_opening', kind: 'hard', relation: 'FF', lagDays: 0 },
      fs('staffing'),
      fs('tryouts'),
      fs('facility_inspection'),
    ],
    ['Send the first-day letter to families'],
  ),
];

// Version 1 as migration 0006 seeded it, restored by `down`.
const defaultMicroschoolStepsV1 = [
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
    .createTable('timelines')
    .addColumn('timeline_id', 'text', (col) => col.primaryKey())
    .addColumn('coach_id', 'text', (col) => col.notNull())
    .addColumn('template_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('target_launch_date', 'date', (col) => col.notNull())
    .addColumn('focus_areas', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('customization_level', 'text', (col) =>
      col.notNull().check(sql`customization_level in ('minimal', 'moderate', 'extensive')`),
    )
    .addColumn('custom_fields', 'jsonb', (col) =>
      col
        .notNull()
        .defaultTo(sql`'{}'::jsonb`)
        .check(sql`jsonb_typeof(custom_fields) = 'object'`),
    )
    .addColumn('sequence', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('timelines_coach_id_idx').on('timelines').column('coach_id').execute();

  await db.schema
    .alterTable('timeline_steps')
    .addColumn('order_key', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('priority', 'text', (col) =>
      col
        .notNull()
        .defaultTo('medium')
        .check(sql`priority in ('low', 'medium', 'high', 'critical')`),
    )
    .addColumn('planned_start', 'date')
    .addColumn('duration_days', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('assignee', 'text')
    .addColumn('started_at', 'timestamptz')
    .execute();

  await db.schema
    .alterTable('timeline_change_events')
    .addColumn('actor_id', 'text')
    .addColumn('origin', 'text', (col) =>
      col
        .notNull()
        .defaultTo('change')
        .check(sql`origin in ('change', 'undo', 'redo')`),
    )
    .addColumn('reverts_sequence', 'integer')
    .execute();
  await db.schema
    .createIndex('timeline_change_events_step_idx')
    .on('timeline_change_events')
    .columns(['timeline_id', 'step_id', 'sequence'])
    .execute();

  await db.schema
    .alterTable('timeline_templates')
    .addColumn('custom_fields', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await sql`
    update timeline_templates
    set version = 2, name = 'Sports microschool launch',
        steps = ${JSON.stringify(defaultMicroschoolStepsV2)}::jsonb,
        custom_fields = ${JSON.stringify({ facility_type: 'leased' })}::jsonb
    where template_id = 'default_microschool_v1'
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    update timeline_templates
    set version = 1, name = 'Default microschool launch', steps = ${JSON.stringify(defaultMicroschoolStepsV1)}::jsonb
    where template_id = 'default_microschool_v1'
  `.execute(db);
  await db.schema.alterTable('timeline_templates').dropColumn('custom_fields').execute();
  await db.schema.dropIndex('timeline_change_events_step_idx').execute();
  await db.schema
    .alterTable('timeline_change_events')
    .dropColumn('reverts_sequence')
    .dropColumn('origin')
    .dropColumn('actor_id')
    .execute();
  await db.schema
    .alterTable('timeline_steps')
    .dropColumn('started_at')
    .dropColumn('assignee')
    .dropColumn('duration_days')
    .dropColumn('planned_start')
    .dropColumn('priority')
    .dropColumn('order_key')
    .execute();
  await db.schema.dropTable('timelines').execute();
}
