import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import { blockersFor, createsCycle } from './dependencies';
import { compareSteps } from './fold';
import {
  MODIFIABLE_FIELDS,
  type CustomFieldValue,
  type Dependency,
  type DependencyCondition,
  type DependencyKind,
  type DependencyRelation,
  type DependentEdge,
  type Priority,
  type ReversibleBody,
  type Step,
  type StepFields,
  type StepStatus,
  type TimelineState,
} from './types';
import { addWorkingDays, isoDate, type IsoDate } from './working-days';

/** A change a coach or mentor asks for (SPEC §5 change bodies). */
export type TimelineChange =
  | { type: 'add'; step: NewStep; after?: string; before?: string }
  | { type: 'remove'; stepId: string }
  | { type: 'move'; stepId: string; after?: string; before?: string; position?: 'start' | 'end' }
  | { type: 'modify'; stepId: string; fields: StepFields }
  | { type: 'setStatus'; stepId: string; status: StepStatus }
  | {
      type: 'addDependency';
      stepId: string;
      dependsOn: string;
      kind: DependencyKind;
      relation?: DependencyRelation;
      lagDays?: number;
      condition?: DependencyCondition;
    }
  | { type: 'removeDependency'; stepId: string; dependsOn: string }
  | { type: 'setCustomFields'; fields: Record<string, CustomFieldValue | null> };

export type NewStep = StepFields & { name: string };

export type RefusalCode =
  | 'invalid_change'
  | 'unknown_step'
  | 'prerequisite_incomplete'
  | 'dependency_cycle'
  | 'dependency_exists'
  | 'unknown_dependency'
  | 'stale_sequence'
  | 'nothing_to_undo'
  | 'nothing_to_redo'
  | 'undo_conflict';

const BAD_INPUT: ReadonlySet<RefusalCode> = new Set(['invalid_change', 'unknown_step', 'unknown_dependency']);

/** A change the timeline refuses; nothing is recorded. Bad input answers 400, a conflict with the timeline 409. */
export class TimelineRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
    /** The field of the change at fault, when there is one (`change.stepId`). */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'TimelineRefusal';
  }
  get status(): 400 | 409 {
    return BAD_INPUT.has(this.code) ? 400 : 409;
  }
}

export interface Plan {
  body: ReversibleBody;
  warnings: string[];
}

function findStep(state: TimelineState, stepId: string, path: string): Step {
  const step = state.steps.find((s) => s.stepId === stepId);
  if (!step) throw new TimelineRefusal('unknown_step', `no step ${stepId} in this timeline`, path);
  return step;
}

/** An order key for a step placed after `after` / before `before` / at an end, among `others` (in order). */
function orderKeyAmong(
  others: readonly Step[],
  place: { after?: string; before?: string; position?: 'start' | 'end' },
): string {
  const index = (id: string, path: string) => {
    const i = others.findIndex((s) => s.stepId === id);
    if (i < 0) throw new TimelineRefusal('unknown_step', `no step ${id} to place it next to`, path);
    return i;
  };
  let lower: Step | undefined;
  let upper: Step | undefined;
  if (place.after !== undefined && place.before !== undefined) {
    const a = index(place.after, 'change.after');
    const b = index(place.before, 'change.before');
    if (b !== a + 1) {
      throw new TimelineRefusal(
        'invalid_change',
        `${place.after} and ${place.before} are not neighbours in that order`,
        'change.before',
      );
    }
    [lower, upper] = [others[a], others[b]];
  } else if (place.after !== undefined) {
    const a = index(place.after, 'change.after');
    [lower, upper] = [others[a], others[a + 1]];
  } else if (place.before !== undefined) {
    const b = index(place.before, 'change.before');
    [lower, upper] = [others[b - 1], others[b]];
  } else if (place.position === 'start') {
    upper = others[0];
  } else {
    lower = others[others.length - 1];
  }
  return generateKeyBetween(lower?.orderKey ?? null, upper?.orderKey ?? null);
}

/**
 * A restored order key (undo, redo) that another step took meanwhile is moved just past it, so the order stays
 * strict; the event records the key actually used.
 */
function freeOrderKey(steps: readonly Step[], stepId: string, key: string): string {
  const others = steps.filter((s) => s.stepId !== stepId);
  if (!others.some((s) => s.orderKey === key)) return key;
  const next = others.filter((s) => s.orderKey > key).sort(compareSteps)[0];
  return generateKeyBetween(key, next?.orderKey ?? null);
}

function checkDates(step: Pick<Step, 'plannedStart' | 'dueDate'>): void {
  if (step.plannedStart && step.dueDate && step.plannedStart > step.dueDate) {
    throw new TimelineRefusal(
      'invalid_change',
      `the due date ${step.dueDate} is before the planned start ${step.plannedStart}`,
      'change.fields.dueDate',
    );
  }
}

function pickFields(step: Step, fields: StepFields): StepFields {
  const picked: Record<string, unknown> = {};
  for (const field of MODIFIABLE_FIELDS) if (field in fields) picked[field] = step[field];
  return picked as StepFields;
}

/** Keeps only the fields present with a value: events are JSON, where an undefined field would not survive. */
function definedFields(fields: StepFields): StepFields {
  return Object.fromEntries(
    Object.entries(fields).filter(
      ([key, value]) => value !== undefined && (MODIFIABLE_FIELDS as readonly string[]).includes(key),
    ),
  ) as StepFields;
}

/**
 * Completes an intended effect with what it replaces, read from the current timeline: the `before` of the event
 * (the target's own `before` is only read to name the edge a `removeDependency` removes). Changes, undos and redos
 * all go through it, so an undo restores over what is there now and refuses what can no longer be done.
 */
export function materialize(state: TimelineState, target: ReversibleBody): ReversibleBody {
  switch (target.type) {
    case 'add': {
      if (state.steps.some((s) => s.stepId === target.stepId)) {
        throw new TimelineRefusal('undo_conflict', `step ${target.stepId} already exists`);
      }
      const existing = new Set(state.steps.map((s) => s.stepId));
      const step: Step = {
        ...target.after.step,
        orderKey: freeOrderKey(state.steps, target.stepId, target.after.step.orderKey),
        dependencies: target.after.step.dependencies.filter((d) => existing.has(d.dependsOn)),
      };
      const dependents = target.after.dependents.filter((d) => existing.has(d.stepId));
      return { type: 'add', stepId: target.stepId, before: null, after: { step, dependents } };
    }
    case 'remove': {
      const step = findStep(state, target.stepId, 'change.stepId');
      const dependents: DependentEdge[] = state.steps.flatMap((s) =>
        s.dependencies
          .filter((d) => d.dependsOn === step.stepId)
          .map((dependency) => ({ stepId: s.stepId, dependency })),
      );
      return { type: 'remove', stepId: step.stepId, before: { step, dependents }, after: null };
    }
    case 'move': {
      const step = findStep(state, target.stepId, 'change.stepId');
      const orderKey = freeOrderKey(state.steps, step.stepId, target.after.orderKey);
      return { type: 'move', stepId: step.stepId, before: { orderKey: step.orderKey }, after: { orderKey } };
    }
    case 'modify': {
      const step = findStep(state, target.stepId, 'change.stepId');
      const after = definedFields(target.after);
      checkDates({ ...step, ...after });
      return { type: 'modify', stepId: step.stepId, before: pickFields(step, after), after };
    }
    case 'setStatus': {
      const step = findStep(state, target.stepId, 'change.stepId');
      const { status, startedAt, completedAt } = step;
      return {
        type: 'setStatus',
        stepId: step.stepId,
        before: { status, startedAt, completedAt },
        after: target.after,
      };
    }
    case 'addDependency': {
      const step = findStep(state, target.stepId, 'change.stepId');
      findStep(state, target.after.dependsOn, 'change.dependsOn');
      if (step.dependencies.some((d) => d.dependsOn === target.after.dependsOn)) {
        throw new TimelineRefusal('dependency_exists', `${step.stepId} already depends on ${target.after.dependsOn}`);
      }
      if (createsCycle(state.steps, step.stepId, target.after.dependsOn)) {
        throw new TimelineRefusal(
          'dependency_cycle',
          `${step.stepId} depending on ${target.after.dependsOn} would make a cycle`,
          'change.dependsOn',
        );
      }
      return { type: 'addDependency', stepId: step.stepId, before: null, after: target.after };
    }
    case 'removeDependency': {
      const step = findStep(state, target.stepId, 'change.stepId');
      const dependency = step.dependencies.find((d) => d.dependsOn === target.before.dependsOn);
      if (!dependency) {
        throw new TimelineRefusal(
          'unknown_dependency',
          `${step.stepId} does not depend on ${target.before.dependsOn}`,
          'change.dependsOn',
        );
      }
      return { type: 'removeDependency', stepId: step.stepId, before: dependency, after: null };
    }
    case 'setCustomFields': {
      const before = Object.fromEntries(Object.keys(target.after).map((f) => [f, state.customFields[f] ?? null]));
      return { type: 'setCustomFields', stepId: null, before, after: target.after };
    }
  }
}

/** The effect that undoes `event` (to be materialized against the timeline as it is now). */
export function inverseOf(event: ReversibleBody): ReversibleBody {
  switch (event.type) {
    case 'add':
      return { type: 'remove', stepId: event.stepId, before: event.after, after: null };
    case 'remove':
      return { type: 'add', stepId: event.stepId, before: null, after: event.before };
    case 'addDependency':
      return { type: 'removeDependency', stepId: event.stepId, before: event.after, after: null };
    case 'removeDependency':
      return { type: 'addDependency', stepId: event.stepId, before: null, after: event.before };
    case 'move':
    case 'modify':
    case 'setStatus':
      return { ...event, before: event.after, after: event.before } as ReversibleBody;
    case 'setCustomFields':
      return { type: 'setCustomFields', stepId: null, before: event.after, after: event.before };
  }
}

function newStep(stepId: string, fields: NewStep, orderKey: string): Step {
  const step: Step = {
    stepId,
    name: fields.name,
    description: fields.description ?? null,
    category: fields.category ?? 'custom',
    priority: fields.priority ?? ('medium' satisfies Priority),
    status: 'not_started',
    orderKey,
    plannedStart: fields.plannedStart ?? null,
    dueDate: fields.dueDate ?? null,
    durationDays: fields.durationDays ?? 1,
    nextActions: fields.nextActions ?? [],
    notes: fields.notes ?? null,
    resources: fields.resources ?? [],
    tags: fields.tags ?? [],
    assignee: fields.assignee ?? null,
    dependencies: [],
    startedAt: null,
    completedAt: null,
  };
  checkDates(step);
  return step;
}

function planStatus(state: TimelineState, step: Step, status: StepStatus, now: string): Plan {
  const today = isoDate(now);
  const transitions: ('start' | 'complete')[] = [];
  const started = step.status === 'in_progress' || step.status === 'completed' || step.status === 'skipped';
  if ((status === 'in_progress' || status === 'completed') && !started) transitions.push('start');
  if (status === 'completed' && step.status !== 'completed') transitions.push('complete');
  const byId = new Map(state.steps.map((s) => [s.stepId, s]));
  const blockers = blockersFor(step, transitions, byId, state.customFields, today);
  const hard = blockers.filter((b) => b.kind === 'hard');
  if (hard.length > 0) {
    throw new TimelineRefusal(
      'prerequisite_incomplete',
      `${step.stepId} cannot be ${status === 'completed' ? 'completed' : 'started'} yet: ${hard.map((b) => b.message).join('; ')}`,
      'change.status',
    );
  }
  const startedAt =
    status === 'not_started'
      ? null
      : status === 'in_progress' || status === 'completed'
        ? (step.startedAt ?? now)
        : step.startedAt;
  const completedAt = status === 'completed' ? (step.completedAt ?? now) : null;
  return {
    body: materialize(state, {
      type: 'setStatus',
      stepId: step.stepId,
      before: { status: step.status, startedAt: step.startedAt, completedAt: step.completedAt },
      after: { status, startedAt, completedAt },
    }),
    warnings: blockers.filter((b) => b.kind === 'soft').map((b) => `soft dependency: ${b.message}`),
  };
}

/** Decides a change against the timeline: the event body to record, with warnings, or a refusal (thrown). */
export function planChange(state: TimelineState, change: TimelineChange, now: string): Plan {
  const plain = (body: ReversibleBody): Plan => ({ body: materialize(state, body), warnings: [] });
  switch (change.type) {
    case 'add': {
      const stepId = `custom-${state.sequence + 1}`;
      const orderKey = orderKeyAmong(state.steps, change);
      const step = newStep(stepId, change.step, orderKey);
      return plain({ type: 'add', stepId, before: null, after: { step, dependents: [] } });
    }
    case 'remove':
      return plain({
        type: 'remove',
        stepId: change.stepId,
        before: { step: null as never, dependents: [] },
        after: null,
      });
    case 'move': {
      const step = findStep(state, change.stepId, 'change.stepId');
      if (change.after === step.stepId || change.before === step.stepId) {
        throw new TimelineRefusal('invalid_change', 'a step cannot be placed next to itself', 'change.after');
      }
      const others = state.steps.filter((s) => s.stepId !== step.stepId);
      const orderKey = orderKeyAmong(others, change);
      return plain({ type: 'move', stepId: step.stepId, before: { orderKey: step.orderKey }, after: { orderKey } });
    }
    case 'modify':
      if (Object.keys(definedFields(change.fields)).length === 0) {
        throw new TimelineRefusal('invalid_change', 'modify needs at least one field', 'change.fields');
      }
      return plain({ type: 'modify', stepId: change.stepId, before: {}, after: change.fields });
    case 'setStatus':
      return planStatus(state, findStep(state, change.stepId, 'change.stepId'), change.status, now);
    case 'addDependency': {
      if (change.kind === 'conditional' && !change.condition) {
        throw new TimelineRefusal('invalid_change', 'a conditional dependency needs a condition', 'change.condition');
      }
      const dependency: Dependency = {
        dependsOn: change.dependsOn,
        kind: change.kind,
        relation: change.relation ?? 'FS',
        lagDays: change.lagDays ?? 0,
        ...(change.kind === 'conditional' && change.condition ? { condition: change.condition } : {}),
      };
      return plain({ type: 'addDependency', stepId: change.stepId, before: null, after: dependency });
    }
    case 'removeDependency':
      return plain({
        type: 'removeDependency',
        stepId: change.stepId,
        before: { dependsOn: change.dependsOn, kind: 'hard', relation: 'FS', lagDays: 0 },
        after: null,
      });
    case 'setCustomFields':
      if (Object.keys(change.fields).length === 0) {
        throw new TimelineRefusal('invalid_change', 'setCustomFields needs at least one field', 'change.fields');
      }
      return plain({ type: 'setCustomFields', stepId: null, before: {}, after: change.fields });
  }
}

/** One step of a template, as the template data describes it. */
export interface TemplateStep {
  key: string;
  name: string;
  description: string;
  category: string;
  priority: Priority;
  durationDays: number;
  /** Working days between the step's due date and the launch. */
  dueWorkingDaysBeforeLaunch: number;
  dependsOn: {
    key: string;
    kind: DependencyKind;
    relation: DependencyRelation;
    lagDays: number;
    condition?: DependencyCondition;
  }[];
  nextActions: string[];
}

export interface TimelineTemplate {
  templateId: string;
  version: number;
  customFields: Record<string, CustomFieldValue>;
  steps: TemplateStep[];
}

export interface TimelineHeader {
  timelineId: string;
  coachId: string;
  templateId: string;
  name: string;
  targetLaunchDate: IsoDate;
  focusAreas: string[];
  customizationLevel: TimelineState['customizationLevel'];
}

/** The timeline a template gives: due dates counted back from the launch, planned starts from the durations. */
export function instantiate(header: TimelineHeader, template: TimelineTemplate): TimelineState {
  const keys = generateNKeysBetween(null, null, template.steps.length);
  const steps = template.steps.map((t, i): Step => {
    const dueDate = addWorkingDays(header.targetLaunchDate, -t.dueWorkingDaysBeforeLaunch);
    return {
      stepId: t.key,
      name: t.name,
      description: t.description,
      category: t.category,
      priority: t.priority,
      status: 'not_started',
      orderKey: keys[i] as string,
      plannedStart: addWorkingDays(dueDate, -Math.max(t.durationDays - 1, 0)),
      dueDate,
      durationDays: t.durationDays,
      nextActions: t.nextActions,
      notes: null,
      resources: [],
      tags: header.focusAreas.includes(t.category) ? ['focus'] : [],
      assignee: null,
      dependencies: t.dependsOn
        .map((d) => ({
          dependsOn: d.key,
          kind: d.kind,
          relation: d.relation,
          lagDays: d.lagDays,
          ...(d.condition ? { condition: d.condition } : {}),
        }))
        .sort((a, b) => (a.dependsOn < b.dependsOn ? -1 : 1)),
      startedAt: null,
      completedAt: null,
    };
  });
  return { ...header, sequence: 0, customFields: { ...template.customFields }, steps };
}
