/**
 * What the API and other workflows need to talk to a coach's launch timeline: ids, input, messages and their
 * types. Imports only Temporal's message helpers (and types of the pure timeline domain), so the API can import it
 * without pulling in workflow code.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  Actor,
  ChangeRequest,
  ReversibleEvent,
  TimelineAnalytics,
  TimelineEvent,
  TimelineSession,
  TimelineView,
} from '../../domain/timeline';

export const TIMELINE_ID_PATTERN = /^TSA-TL-\d{8}-[A-Z0-9]{6}$/;
export const COACH_ID_PATTERN = /^TSA-COACH-\d{8}-[A-Z0-9]{6}$/;
export const DEFAULT_TIMELINE_TEMPLATE = 'default_microschool_v1';

export const timelineWorkflowId = (timelineId: string): string => `timeline:${timelineId}`;

/** What one run hands the next when it continues as new: never the history, only the state it folded. */
export interface CarriedTimeline {
  session: TimelineSession;
  /** Step id → the due date it was last reminded for. */
  reminded: Record<string, string>;
}

export interface TimelineWorkflowInput {
  timelineId: string;
  coachId: string;
  templateId: string;
  name: string;
  targetLaunchDate: string;
  focusAreas: string[];
  customizationLevel: 'minimal' | 'moderate' | 'extensive';
  /** Set by the run that continued as new; a new timeline starts without it. */
  carried?: CarriedTimeline;
}

export type ChangeMessage = ChangeRequest & { actor: Actor };
export interface RevertMessage {
  expectedSequence?: number;
  reason?: string;
  actor: Actor;
}

export interface ChangeResult {
  timeline: TimelineView;
  event: ReversibleEvent;
  warnings?: string[];
}

/** As of the given time (ISO) for what blocks each step: the API's clock (an idle workflow's stops at its last task). */
export const timelineQuery = defineQuery<TimelineView, [string?]>('timeline');
/** As of the given time (ISO), as the timeline query. */
export const analyticsQuery = defineQuery<TimelineAnalytics, [string?]>('analytics');
/** The events of the current run, newest last (the full log is `timeline_change_events`). */
export const changeLogQuery = defineQuery<TimelineEvent[]>('changeLog');
/** Answers once the timeline is created and stored (its creator waits on it). */
export const whenStoredUpdate = defineUpdate<TimelineView>('whenStored');
export const changeUpdate = defineUpdate<ChangeResult, [ChangeMessage]>('change');
export const undoUpdate = defineUpdate<ChangeResult, [RevertMessage]>('undo');
export const redoUpdate = defineUpdate<ChangeResult, [RevertMessage]>('redo');

/** Application failure types; a refusal's details are `[{ code, status, path? }]`. */
export const TimelineFailureTypes = {
  refused: 'TimelineChangeRefused',
  unknownTemplate: 'TimelineUnknownTemplate',
} as const;

export interface RefusalDetails {
  code: string;
  status: 400 | 409;
  path?: string;
  issues?: { path: string; message: string }[];
}
