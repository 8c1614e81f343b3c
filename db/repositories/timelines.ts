import type { Kysely, Transaction } from 'kysely';
import type {
  RankedStep,
  TemplateStep,
  TimelineEvent,
  TimelineProjection,
  TimelineState,
  TimelineTemplate,
} from '../../domain/timeline';

export type { TimelineProjection } from '../../domain/timeline';
import type { Database, NewTimelineStep } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

type LegacyDependency = {
  key: string;
  type?: string;
  kind?: string;
  relation?: string;
  lagDays?: number;
  condition?: unknown;
};

/** A template row as the domain reads it; rows of the first version (no durations, `type`) get defaults. */
export async function findTemplate(db: Db, templateId: string): Promise<TimelineTemplate | undefined> {
  const row = await db
    .selectFrom('timeline_templates')
    .selectAll()
    .where('template_id', '=', templateId)
    .executeTakeFirst();
  if (!row) return undefined;
  const steps = (row.steps as unknown as Record<string, unknown>[]).map((s): TemplateStep => ({
    key: String(s.key),
    name: String(s.name),
    description: String(s.description ?? ''),
    category: String(s.category ?? 'general'),
    priority: (s.priority as TemplateStep['priority']) ?? 'medium',
    durationDays: Number(s.durationDays ?? 5),
    dueWorkingDaysBeforeLaunch: Number(s.dueWorkingDaysBeforeLaunch ?? s.offsetDaysBeforeLaunch ?? 0),
    dependsOn: ((s.dependsOn as LegacyDependency[] | undefined) ?? []).map((d) => ({
      key: d.key,
      kind: (d.kind ?? d.type ?? 'hard') as TemplateStep['dependsOn'][number]['kind'],
      relation: (d.relation ?? 'FS') as TemplateStep['dependsOn'][number]['relation'],
      lagDays: d.lagDays ?? 0,
      ...(d.condition ? { condition: d.condition as { field: string; equals: string } } : {}),
    })),
    nextActions: (s.nextActions as string[] | undefined) ?? [],
  }));
  return {
    templateId: row.template_id,
    version: row.version,
    customFields: (row.custom_fields ?? {}) as TimelineTemplate['customFields'],
    steps,
  };
}

function stepRow(timeline: Omit<TimelineState, 'steps'>, { step, rank }: RankedStep): NewTimelineStep {
  return {
    timeline_id: timeline.timelineId,
    step_id: step.stepId,
    coach_id: timeline.coachId,
    name: step.name,
    description: step.description,
    category: step.category,
    status: step.status,
    order_index: rank,
    order_key: step.orderKey,
    priority: step.priority,
    planned_start: step.plannedStart,
    due_date: step.dueDate,
    duration_days: step.durationDays,
    dependencies: JSON.stringify(step.dependencies),
    next_actions: JSON.stringify(step.nextActions),
    notes: step.notes,
    resources: JSON.stringify(step.resources),
    tags: JSON.stringify(step.tags),
    assignee: step.assignee,
    started_at: step.startedAt,
    completed_at: step.completedAt,
  };
}

async function upsertSteps(db: Db, timeline: Omit<TimelineState, 'steps'>, steps: RankedStep[]): Promise<void> {
  // Bounded batches: a 500-step timeline stays well under PostgreSQL's parameter limit.
  for (let i = 0; i < steps.length; i += 200) {
    await db
      .insertInto('timeline_steps')
      .values(steps.slice(i, i + 200).map((s) => stepRow(timeline, s)))
      .onConflict((oc) =>
        oc.columns(['timeline_id', 'step_id']).doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          description: eb.ref('excluded.description'),
          category: eb.ref('excluded.category'),
          status: eb.ref('excluded.status'),
          order_index: eb.ref('excluded.order_index'),
          order_key: eb.ref('excluded.order_key'),
          priority: eb.ref('excluded.priority'),
          planned_start: eb.ref('excluded.planned_start'),
          due_date: eb.ref('excluded.due_date'),
          duration_days: eb.ref('excluded.duration_days'),
          dependencies: eb.ref('excluded.dependencies'),
          next_actions: eb.ref('excluded.next_actions'),
          notes: eb.ref('excluded.notes'),
          resources: eb.ref('excluded.resources'),
          tags: eb.ref('excluded.tags'),
          assignee: eb.ref('excluded.assignee'),
          started_at: eb.ref('excluded.started_at'),
          completed_at: eb.ref('excluded.completed_at'),
          updated_at: new Date(),
        })),
      )
      .execute();
  }
}

function eventRow(timelineId: string, event: TimelineEvent) {
  return {
    timeline_id: timelineId,
    sequence: event.sequence,
    change_type: event.type,
    step_id: event.stepId,
    before: event.before === null ? null : JSON.stringify(event.before),
    after: event.after === null ? null : JSON.stringify(event.after),
    reason: event.reason,
    triggered_by: event.triggeredBy,
    actor_id: event.actorId,
    origin: event.origin,
    reverts_sequence: event.revertsSequence,
    occurred_at: event.occurredAt,
  };
}

/**
 * Upserts the `timelines` row to `sequence` unless it is already there: true when this write is the first to
 * reach that sequence (a retried or replayed projection finds it done and changes nothing).
 */
async function advanceTimeline(db: Db, timeline: Omit<TimelineState, 'steps'>): Promise<boolean> {
  const row = await db
    .insertInto('timelines')
    .values({
      timeline_id: timeline.timelineId,
      coach_id: timeline.coachId,
      template_id: timeline.templateId,
      name: timeline.name,
      target_launch_date: timeline.targetLaunchDate,
      focus_areas: JSON.stringify(timeline.focusAreas),
      customization_level: timeline.customizationLevel,
      custom_fields: JSON.stringify(timeline.customFields),
      sequence: timeline.sequence,
    })
    .onConflict((oc) =>
      oc
        .column('timeline_id')
        .doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          target_launch_date: eb.ref('excluded.target_launch_date'),
          custom_fields: eb.ref('excluded.custom_fields'),
          sequence: eb.ref('excluded.sequence'),
          updated_at: new Date(),
        }))
        .where('timelines.sequence', '<', timeline.sequence),
    )
    .returning('timeline_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The events and the steps they lead to, in one transaction the caller owns. Idempotent by (timeline, sequence):
 * events already stored are kept as they are, and the steps are written only by the write that advances the
 * timeline's sequence.
 */
export async function writeProjection(db: Db, projection: TimelineProjection): Promise<void> {
  const { timeline } = projection;
  if (projection.events.length > 0) {
    await db
      .insertInto('timeline_change_events')
      .values(projection.events.map((e) => eventRow(timeline.timelineId, e)))
      .onConflict((oc) => oc.columns(['timeline_id', 'sequence']).doNothing())
      .execute();
  }
  if (!(await advanceTimeline(db, timeline))) return;
  if (projection.removed.length > 0) {
    await db
      .deleteFrom('timeline_steps')
      .where('timeline_id', '=', timeline.timelineId)
      .where('step_id', 'in', projection.removed)
      .execute();
  }
  if (projection.changed.length > 0) await upsertSteps(db, timeline, projection.changed);
}

/** Replaces the projection of one timeline with `state` (the rebuild). */
export async function replaceProjection(db: Db, state: TimelineState): Promise<void> {
  const { steps, ...timeline } = state;
  await db.deleteFrom('timeline_steps').where('timeline_id', '=', state.timelineId).execute();
  await db.deleteFrom('timelines').where('timeline_id', '=', state.timelineId).execute();
  await advanceTimeline(db, timeline);
  if (steps.length > 0)
    await upsertSteps(
      db,
      timeline,
      steps.map((step, rank) => ({ step, rank })),
    );
}

export async function findTimeline(db: Db, timelineId: string) {
  return db.selectFrom('timelines').selectAll().where('timeline_id', '=', timelineId).executeTakeFirst();
}

export async function listTimelineIds(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('timeline_change_events')
    .select('timeline_id')
    .distinct()
    .orderBy('timeline_id')
    .execute();
  return rows.map((r) => r.timeline_id);
}

function toEvent(row: {
  sequence: number;
  change_type: string;
  step_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  triggered_by: TimelineEvent['triggeredBy'];
  actor_id: string | null;
  origin: TimelineEvent['origin'];
  reverts_sequence: number | null;
  occurred_at: Date;
}): TimelineEvent {
  return {
    type: row.change_type,
    stepId: row.step_id,
    before: row.before,
    after: row.after,
    sequence: row.sequence,
    reason: row.reason,
    triggeredBy: row.triggered_by,
    actorId: row.actor_id ?? row.triggered_by,
    origin: row.origin,
    revertsSequence: row.reverts_sequence,
    occurredAt: row.occurred_at.toISOString(),
  } as TimelineEvent;
}

/** Every event of a timeline, in order: all a rebuild needs. */
export async function readEvents(db: Db, timelineId: string): Promise<TimelineEvent[]> {
  const rows = await db
    .selectFrom('timeline_change_events')
    .selectAll()
    .where('timeline_id', '=', timelineId)
    .orderBy('sequence')
    .execute();
  return rows.map(toEvent);
}

export interface EventFilter {
  stepId?: string;
  type?: string;
  /** Only events after this sequence (the page cursor). */
  afterSequence?: number;
  limit: number;
}

/** One page of the change log, oldest first. */
export async function listEvents(db: Db, timelineId: string, filter: EventFilter): Promise<TimelineEvent[]> {
  const rows = await db
    .selectFrom('timeline_change_events')
    .selectAll()
    .where('timeline_id', '=', timelineId)
    .$if(filter.stepId !== undefined, (q) => q.where('step_id', '=', filter.stepId as string))
    .$if(filter.type !== undefined, (q) => q.where('change_type', '=', filter.type as string))
    .$if(filter.afterSequence !== undefined, (q) => q.where('sequence', '>', filter.afterSequence as number))
    .orderBy('sequence')
    .limit(filter.limit)
    .execute();
  return rows.map(toEvent);
}

/** The projected steps of a timeline in order, as stored (for comparisons and tools). */
export async function readSteps(db: Db, timelineId: string) {
  return db
    .selectFrom('timeline_steps')
    .selectAll()
    .where('timeline_id', '=', timelineId)
    .orderBy('order_index')
    .execute();
}
