/**
 * The coach's timeline board as data: which change a drag or a "move" button makes, the order shown while the API
 * answers, the steps merged with the analytics (slack, critical path, overdue, blocked) and the last change's warnings,
 * the launch outlook, what an edit or a new dependency sends, and where a refusal goes. Pure functions, unit-tested
 * without a browser; the page only wires them to the API and to the controls.
 */
import type { paths } from './api/schema';

type Json200<T> = T extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;
export type Timeline = Json200<paths['/v1/timelines/{id}']['get']>;
export type Analytics = Json200<paths['/v1/timelines/{id}/analytics']['get']>;
export type ChangeResult = Json200<paths['/v1/timelines/{id}/changes']['post']>;
export type ChangeRequest = paths['/v1/timelines/{id}/changes']['post']['requestBody']['content']['application/json'];
export type Change = ChangeRequest['change'];
export type MoveChange = Extract<Change, { type: 'move' }>;
export type ModifyFields = Extract<Change, { type: 'modify' }>['fields'];
export type AddDependency = Extract<Change, { type: 'addDependency' }>;
export type TimelineStep = Timeline['steps'][number];
export type StepStatus = TimelineStep['status'];
export type Dependency = TimelineStep['dependencies'][number];
export type Schedule = Analytics['schedule'][number];

export const STEP_STATUSES = ['not_started', 'in_progress', 'blocked', 'completed', 'skipped'] as const;
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const DEPENDENCY_KINDS = ['hard', 'soft', 'conditional'] as const;
export const DEPENDENCY_RELATIONS = ['FS', 'SS', 'FF'] as const;

/** Every change goes with the sequence the board shows, so a change made meanwhile by someone else is refused. */
export function changeRequest(timeline: Pick<Timeline, 'sequence'>, change: Change): ChangeRequest {
  return { change, expectedSequence: timeline.sequence };
}

/**
 * The move a drop makes: dragged down, the step goes after the step it was dropped on; dragged up, before it (where
 * the list shows it while dragging). Nothing when it was dropped on itself or outside the list.
 */
export function moveForDrop(
  order: readonly string[],
  activeId: string,
  overId: string | null | undefined,
): MoveChange | null {
  const from = order.indexOf(activeId);
  const to = overId == null ? -1 : order.indexOf(overId);
  if (from < 0 || to < 0 || from === to || overId == null) return null;
  return from < to
    ? { type: 'move', stepId: activeId, after: overId }
    : { type: 'move', stepId: activeId, before: overId };
}

/** The keyboard alternative: one place up or down; nothing at either end. */
export function moveBy(order: readonly string[], stepId: string, offset: -1 | 1): MoveChange | null {
  const from = order.indexOf(stepId);
  const neighbour = from < 0 ? undefined : order[from + offset];
  return neighbour === undefined ? null : moveForDrop(order, stepId, neighbour);
}

/** The order after a move, as the API will place it: what the board shows until the API answers. */
export function orderAfterMove(order: readonly string[], move: MoveChange): string[] {
  if (!order.includes(move.stepId)) return [...order];
  const others = order.filter((id) => id !== move.stepId);
  let at: number;
  if (move.after !== undefined) at = others.indexOf(move.after) + 1;
  else if (move.before !== undefined) at = others.indexOf(move.before);
  else at = move.position === 'start' ? 0 : others.length;
  if (at < 0 || (move.after !== undefined && at === 0)) return [...order];
  return [...others.slice(0, at), move.stepId, ...others.slice(at)];
}

/** A dependency as the board lists it: with the prerequisite's name (its id when that step is gone). */
export interface DependencyRow extends Dependency {
  dependsOnName: string;
}

/** A step as the board shows it: its place, its dependencies by name, and what the analytics and last change say. */
export interface BoardRow {
  step: TimelineStep;
  /** 1-based place in the order. */
  position: number;
  dependencies: DependencyRow[];
  /** From the analytics' backward pass; absent until the analytics arrive. */
  schedule?: Schedule;
  critical: boolean;
  /** Working days past its due date, when overdue. */
  overdueDays?: number;
  blocked: boolean;
  /** The last change's warnings about this step (a soft dependency not met). */
  warnings: string[];
}

/**
 * The steps in the order to show (a pending move's, while the API answers, else the timeline's), each merged with
 * the analytics. Analytics of another timeline are ignored; a step the analytics do not know yet has no schedule.
 */
export function boardRows(
  timeline: Timeline,
  analytics?: Analytics,
  warnings: Readonly<Record<string, readonly string[]>> = {},
  order?: readonly string[],
): BoardRow[] {
  const byId = new Map(timeline.steps.map((s) => [s.stepId, s]));
  const mine = analytics?.timelineId === timeline.timelineId ? analytics : undefined;
  const schedule = new Map(mine?.schedule.map((s) => [s.stepId, s]));
  const critical = new Set(mine?.criticalPath);
  const overdue = new Map(mine?.overdueSteps.map((s) => [s.stepId, s.workingDaysOverdue]));
  const blocked = new Set(mine?.blockedSteps.map((s) => s.stepId));
  const ids = order && sameMembers(order, byId) ? order : timeline.steps.map((s) => s.stepId);
  return ids.map((id, index) => {
    const step = byId.get(id)!;
    const overdueDays = overdue.get(id);
    return {
      step,
      position: index + 1,
      dependencies: step.dependencies.map((d) => ({ ...d, dependsOnName: byId.get(d.dependsOn)?.name ?? d.dependsOn })),
      ...(schedule.has(id) ? { schedule: schedule.get(id) } : {}),
      critical: critical.has(id),
      ...(overdueDays !== undefined ? { overdueDays } : {}),
      blocked: blocked.has(id) || step.status === 'blocked' || step.blockers.some((b) => b.kind === 'hard'),
      warnings: [...(warnings[id] ?? [])],
    };
  });
}

function sameMembers(order: readonly string[], byId: ReadonlyMap<string, unknown>): boolean {
  return order.length === byId.size && order.every((id) => byId.has(id));
}

/** The projected launch against the target, in working days, as the coach reads it. */
export interface LaunchOutlook {
  outlook: 'ahead' | 'behind' | 'on_target';
  workingDays: number;
  projected: string;
  target: string;
}

export function launchOutlook(analytics: Analytics): LaunchOutlook {
  const days = analytics.workingDaysAheadOfTarget;
  return {
    outlook: days > 0 ? 'ahead' : days < 0 ? 'behind' : 'on_target',
    workingDays: Math.abs(days),
    projected: analytics.projectedLaunchDate,
    target: analytics.targetLaunchDate,
  };
}

/** The API's error body (`{error, message, issues?}`). */
export interface ApiRefusal {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** The refusal the board shows, tied to the control that asked (`status-<stepId>`, `undo`, …), in the reader's words. */
export interface ControlError {
  control: string;
  message: string;
  refusal: ApiRefusal;
}

/** A stale `expectedSequence`: someone changed the timeline since the board loaded it; the board reloads. */
export const isStale = (refusal: ApiRefusal | undefined) => refusal?.error === 'stale_sequence';

/** The text fields of the edit form, from the step as it is. Lists are one item a line; tags are comma-separated. */
export type EditValues = Record<
  | 'name'
  | 'description'
  | 'category'
  | 'priority'
  | 'plannedStart'
  | 'dueDate'
  | 'durationDays'
  | 'nextActions'
  | 'resources'
  | 'tags'
  | 'notes'
  | 'assignee',
  string
>;
export const EDIT_FIELDS = [
  'name',
  'description',
  'category',
  'priority',
  'plannedStart',
  'dueDate',
  'durationDays',
  'assignee',
  'nextActions',
  'resources',
  'tags',
  'notes',
] as const satisfies readonly (keyof EditValues)[];

export function editValues(step: TimelineStep): EditValues {
  return {
    name: step.name,
    description: step.description ?? '',
    category: step.category,
    priority: step.priority,
    plannedStart: step.plannedStart ?? '',
    dueDate: step.dueDate ?? '',
    durationDays: String(step.durationDays),
    nextActions: step.nextActions.join('\n'),
    resources: step.resources.join('\n'),
    tags: step.tags.join(', '),
    notes: step.notes ?? '',
    assignee: step.assignee ?? '',
  };
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The `modify` fields for what the coach changed, and only that: an emptied optional field is `null`, a number is
 * sent as typed when it is one (else as the text, for the API to name the field). Empty when nothing changed.
 */
export function modifyFields(step: TimelineStep, values: EditValues): ModifyFields {
  const fields: Record<string, unknown> = {};
  const text = (key: 'name' | 'category', value: string) => {
    if (value.trim() !== step[key]) fields[key] = value;
  };
  const nullable = (key: 'description' | 'notes' | 'assignee' | 'plannedStart' | 'dueDate', value: string) => {
    const next = value.trim() === '' ? null : value;
    if (next !== step[key] && !(next !== null && next.trim() === step[key])) fields[key] = next;
  };
  text('name', values.name);
  text('category', values.category);
  if (values.priority !== step.priority) fields.priority = values.priority;
  nullable('description', values.description);
  nullable('plannedStart', values.plannedStart);
  nullable('dueDate', values.dueDate);
  nullable('notes', values.notes);
  nullable('assignee', values.assignee);
  const duration = values.durationDays.trim();
  if (duration !== String(step.durationDays))
    fields.durationDays = /^-?\d+$/.test(duration) ? Number(duration) : duration;
  const nextActions = lines(values.nextActions);
  if (!sameList(nextActions, step.nextActions)) fields.nextActions = nextActions;
  const resources = lines(values.resources);
  if (!sameList(resources, step.resources)) fields.resources = resources;
  const tags = values.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (!sameList(tags, step.tags)) fields.tags = tags;
  return fields as ModifyFields;
}

/** The API's issues by the form field that shows them (`change.fields.dueDate` → `dueDate`); the rest under `''`. */
export function issuesByControl(
  refusal: ApiRefusal,
  prefix: string,
  fields: readonly string[],
): Record<string, string> {
  const byField: Record<string, string> = {};
  const add = (key: string, message: string) => {
    byField[key] = byField[key] ? `${byField[key]}; ${message}` : message;
  };
  for (const issue of refusal.issues ?? []) {
    const rest = issue.path.startsWith(prefix) ? issue.path.slice(prefix.length) : undefined;
    const field = rest === undefined ? undefined : fields.find((f) => rest === f || rest.startsWith(`${f}.`));
    add(field ?? '', issue.message);
  }
  if (Object.keys(byField).length === 0) add('', refusal.message);
  return byField;
}

export interface DependencyValues {
  dependsOn: string;
  kind: string;
  relation: string;
  lagDays: string;
  conditionField: string;
  conditionEquals: string;
}

export const emptyDependency = (): DependencyValues => ({
  dependsOn: '',
  kind: 'hard',
  relation: 'FS',
  lagDays: '0',
  conditionField: '',
  conditionEquals: '',
});

/** A condition's value as typed: `true`/`false` and numbers as themselves (custom fields keep their JSON type). */
function conditionValue(text: string): string | number | boolean {
  const value = text.trim();
  if (value === 'true' || value === 'false') return value === 'true';
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

/** The `addDependency` change the form asks for; the API judges it (a cycle, an unknown step, a bad lag). */
export function dependencyChange(stepId: string, values: DependencyValues): AddDependency {
  const lag = values.lagDays.trim();
  return {
    type: 'addDependency',
    stepId,
    dependsOn: values.dependsOn,
    kind: values.kind as AddDependency['kind'],
    relation: values.relation as NonNullable<AddDependency['relation']>,
    lagDays: lag === '' ? 0 : Number(lag),
    ...(values.kind === 'conditional'
      ? { condition: { field: values.conditionField.trim(), equals: conditionValue(values.conditionEquals) } }
      : {}),
  };
}

/** The steps a step may come to depend on: every other step it does not depend on yet, in the board's order. */
export function dependencyCandidates(timeline: Timeline, stepId: string): TimelineStep[] {
  const step = timeline.steps.find((s) => s.stepId === stepId);
  const taken = new Set(step?.dependencies.map((d) => d.dependsOn));
  return timeline.steps.filter((s) => s.stepId !== stepId && !taken.has(s.stepId));
}

/** A calendar date (`YYYY-MM-DD`) in the reader's language, without a time zone shifting it a day. */
export function formatDate(date: string, locale: string): string {
  const at = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(at.getTime())
    ? date
    : at.toLocaleDateString(locale, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
}
