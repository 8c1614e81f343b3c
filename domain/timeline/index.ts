/** The coach launch timeline's domain: pure, deterministic, importing nothing of the project. */
export * from './types';
export { applyChange, compareSteps, foldEvents } from './fold';
export { blockersOf, createsCycle, isActive, type Blocker } from './dependencies';
export {
  instantiate,
  inverseOf,
  materialize,
  planChange,
  TimelineRefusal,
  type NewStep,
  type RefusalCode,
  type TemplateStep,
  type TimelineChange,
  type TimelineHeader,
  type TimelineTemplate,
} from './changes';
export {
  change,
  createTimeline,
  redo,
  startSession,
  undo,
  STACK_LIMIT,
  type Actor,
  type ActorStacks,
  type ChangeRequest,
  type Outcome,
  type TimelineSession,
} from './session';
export { analyze, type StepSchedule, type TimelineAnalytics } from './analytics';
export {
  addWorkingDays,
  fromWorkingIndex,
  isoDate,
  toWorkingIndex,
  workingDaysBetween,
  type IsoDate,
} from './working-days';
export { diffSteps, type RankedStep, type StepsDiff, type TimelineProjection } from './projection';
export { timelineView, type StepView, type TimelineView } from './view';
export { dueAt, dueForReminder, nextReminderAt, pruneReminded } from './reminders';
