import type { IsoDate } from './working-days';

export const STEP_STATUSES = ['not_started', 'in_progress', 'blocked', 'completed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const DEPENDENCY_KINDS = ['hard', 'soft', 'conditional'] as const;
export type DependencyKind = (typeof DEPENDENCY_KINDS)[number];
export const DEPENDENCY_RELATIONS = ['FS', 'SS', 'FF'] as const;
/** Finish-to-start, start-to-start, finish-to-finish, as planning tools name them. */
export type DependencyRelation = (typeof DEPENDENCY_RELATIONS)[number];
export const TRIGGERS = ['coach', 'mentor', 'system'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export type CustomFieldValue = string | number | boolean;
export type CustomFields = Record<string, CustomFieldValue>;

export interface DependencyCondition {
  field: string;
  equals: CustomFieldValue;
}

export interface Dependency {
  dependsOn: string;
  kind: DependencyKind;
  relation: DependencyRelation;
  /** Working days after the prerequisite allows it; negative is a lead. */
  lagDays: number;
  condition?: DependencyCondition;
}

export interface Step {
  stepId: string;
  name: string;
  description: string | null;
  category: string;
  priority: Priority;
  status: StepStatus;
  /** Fractional order key: steps sort by it (then by id), and there is always room between two keys. */
  orderKey: string;
  plannedStart: IsoDate | null;
  dueDate: IsoDate | null;
  durationDays: number;
  nextActions: string[];
  notes: string | null;
  resources: string[];
  tags: string[];
  assignee: string | null;
  dependencies: Dependency[];
  startedAt: string | null;
  completedAt: string | null;
}

/** The fields a `modify` change may set. */
export const MODIFIABLE_FIELDS = [
  'name',
  'description',
  'category',
  'priority',
  'plannedStart',
  'dueDate',
  'durationDays',
  'nextActions',
  'notes',
  'resources',
  'tags',
  'assignee',
] as const;
export type ModifiableField = (typeof MODIFIABLE_FIELDS)[number];
export type StepFields = Partial<Pick<Step, ModifiableField>>;

export interface TimelineState {
  timelineId: string;
  coachId: string;
  templateId: string;
  name: string;
  targetLaunchDate: IsoDate;
  focusAreas: string[];
  customizationLevel: 'minimal' | 'moderate' | 'extensive';
  /** Sequence of the last event folded in. */
  sequence: number;
  customFields: CustomFields;
  /** In order (by order key, then id). */
  steps: Step[];
}

/** Another step's edge onto a removed step: removed with it, restored with it. */
export interface DependentEdge {
  stepId: string;
  dependency: Dependency;
}

export interface StatusFields {
  status: StepStatus;
  startedAt: string | null;
  completedAt: string | null;
}

/** What an event does, with the values before and after, so that it can be folded and inverted on its own. */
export type EventBody =
  | { type: 'create'; stepId: null; before: null; after: TimelineState }
  | { type: 'add'; stepId: string; before: null; after: { step: Step; dependents: DependentEdge[] } }
  | { type: 'remove'; stepId: string; before: { step: Step; dependents: DependentEdge[] }; after: null }
  | { type: 'move'; stepId: string; before: { orderKey: string }; after: { orderKey: string } }
  | { type: 'modify'; stepId: string; before: StepFields; after: StepFields }
  | { type: 'setStatus'; stepId: string; before: StatusFields; after: StatusFields }
  | { type: 'addDependency'; stepId: string; before: null; after: Dependency }
  | { type: 'removeDependency'; stepId: string; before: Dependency; after: null }
  /** A field set to null is removed. */
  | {
      type: 'setCustomFields';
      stepId: null;
      before: Record<string, CustomFieldValue | null>;
      after: Record<string, CustomFieldValue | null>;
    };
export type ChangeType = Exclude<EventBody['type'], 'create'>;
export type ReversibleBody = Exclude<EventBody, { type: 'create' }>;

export interface EventMeta {
  sequence: number;
  reason: string | null;
  triggeredBy: Trigger;
  /** Whose undo/redo stacks the event belongs to (the token subject). */
  actorId: string;
  origin: 'change' | 'undo' | 'redo';
  /** For an undo or a redo: the event it reverts or repeats. */
  revertsSequence: number | null;
  occurredAt: string;
}

export type TimelineEvent = EventBody & EventMeta;
export type ReversibleEvent = ReversibleBody & EventMeta;
