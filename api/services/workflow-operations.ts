import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, ReplayError, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { workflowBundleOptions } from '../../runtime/workflow-bundle';
import { DeterminismViolationError } from '@temporalio/workflow';
import { badRequest } from '../shared/errors';
import { eventTypeName } from './workflow-history';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type ResetRequestProperties = temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest.$Properties;
const { EventType, ResetReapplyType } = temporal.api.enums.v1;
const { ResetWorkflowExecutionRequest } = temporal.api.workflowservice.v1;

export type WorkflowBundle = NonNullable<ReplayWorkerOptions['workflowBundle']>;
export type ResetPoint = 'last-workflow-task' | 'first-workflow-task' | number;

/** Events Temporal accepts as a reset point: the end (or start) of a workflow task. */
const RESETTABLE = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
]);

const eventId = (event: HistoryEvent): number => Number(event.eventId ?? 0);

/**
 * The event id a reset goes back to: the first or last completed workflow task, or an explicit event id that must
 * end (or start) a workflow task. A wrong id is refused here with the ids that would work, not by a gRPC error.
 */
export function resolveResetPoint(history: History, to: ResetPoint): number {
  const events = history.events ?? [];
  const completed = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).map(eventId);
  if (to === 'first-workflow-task' || to === 'last-workflow-task') {
    const id = to === 'first-workflow-task' ? completed[0] : completed.at(-1);
    if (id === undefined) throw badRequest('this run has no completed workflow task to reset to');
    return id;
  }
  const event = events.find((e) => eventId(e) === to);
  const choices = `completed workflow tasks in this run: ${completed.join(', ') || 'none'}`;
  if (!event) throw badRequest(`to: event ${to} is not in this run's history (${choices})`);
  if (!RESETTABLE.has(event.eventType ?? 0)) {
    throw badRequest(
      `to: event ${to} is ${eventTypeName(event)}; a reset point must be a WorkflowTaskCompleted, ` +
        `WorkflowTaskFailed, WorkflowTaskTimedOut or WorkflowTaskStarted event (${choices})`,
    );
  }
  return to;
}

export interface ResetRequest {
  workflowId: string;
  to: ResetPoint;
  reason: string;
  reapplySignals: boolean;
}

export interface ResetResult {
  workflowId: string;
  /** The new run. */
  runId: string;
  /** The run that was reset (and terminated, if it was still running). */
  previousRunId: string;
  resetToEventId: number;
}

/**
 * Resets the workflow's current run through Temporal's reset API. Temporal terminates the old run and starts a new
 * one that replays the history up to the reset point; the reason is written into the new run's history.
 */
export async function resetWorkflow(client: Client, request: ResetRequest): Promise<ResetResult> {
  const { runId: previousRunId } = await client.workflow.getHandle(request.workflowId).describe();
  const history = await client.workflow.getHandle(request.workflowId, previousRunId).fetchHistory();
  const resetToEventId = resolveResetPoint(history, request.to);
  // fromObject turns the event id into the int64 the request carries.
  const response = await client.workflowService.resetWorkflowExecution(
    ResetWorkflowExecutionRequest.fromObject({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: request.workflowId, runId: previousRunId },
      reason: request.reason,
      workflowTaskFinishEventId: resetToEventId,
      requestId: randomUUID(),
      // Parents' step submissions are updates, not signals: "reapply" brings back both, so a reset never drops what a
      // parent submitted after the reset point.
      resetReapplyType: request.reapplySignals
        ? ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE
        : ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
    } satisfies Omit<ResetRequestProperties, 'workflowTaskFinishEventId'> & { workflowTaskFinishEventId: number }),
  );
  return { workflowId: request.workflowId, runId: response.runId, previousRunId, resetToEventId };
}

export interface NamedEvent {
  eventId: number;
  type: string;
}

export type ReplayResult =
  | { deterministic: true }
  | {
      deterministic: false;
      /** `event N (Type): ` and the SDK's message. */
      error: string;
      errorType: 'DeterminismViolationError' | 'ReplayError';
      /** The history event where the code and the recording part. */
      event?: NamedEvent;
    };

interface ReplayOptions {
  workflowBundle: WorkflowBundle;
  dataConverter: DataConverter;
}

const replayOptions = (options: ReplayOptions) => ({
  workflowBundle: options.workflowBundle,
  dataConverter: options.dataConverter,
  replayName: 'ops-replay',
});

function named(history: History, id: number): NamedEvent | undefined {
  const event = history.events?.find((e) => eventId(e) === id);
  return event ? { eventId: id, type: eventTypeName(event) } : undefined;
}

/** Core names the mismatching event in some messages, as `HistoryEvent(id: 5, …)` or `event id 5`. */
function eventNamedIn(message: string, history: History): NamedEvent | undefined {
  const match = /HistoryEvent\(id: (\d+)|\bevent ?id[:= ]+(\d+)/i.exec(message);
  return match ? named(history, Number(match[1] ?? match[2])) : undefined;
}

/**
 * Where replay first diverges, for messages that name no event (a patch marker, a timer id): replays the history cut
 * after each workflow task until one fails. A cut ending at a WorkflowTaskStarted event checks every earlier task's
 * commands against the events they recorded, so the first failing cut points at the task before it, and the event
 * named is the first one that task's commands recorded.
 */
async function locateDivergence(history: History, workflowId: string, options: ReplayOptions) {
  const events = history.events ?? [];
  const starts = events.flatMap((e, i) => (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED ? [i] : []));
  const cuts = starts.slice(1).map((end, k) => ({
    workflowId: `${workflowId}#${k}`,
    history: { events: events.slice(0, end + 1) },
  }));
  let k = 0;
  for await (const result of Worker.runReplayHistories(replayOptions(options), cuts)) {
    if (result.error) {
      const completed = events.findIndex(
        (e, i) => i > starts[k]! && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      );
      const first = events[completed + 1];
      const at = first && first.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ? first : events[completed];
      return at ? named(history, eventId(at)) : undefined;
    }
    k++;
  }
  return undefined;
}

/** Replays a recorded history against workflow code; a mismatch is an answer, not an exception. */
export async function replayHistory(
  history: History,
  workflowId: string,
  options: ReplayOptions,
): Promise<ReplayResult> {
  try {
    await Worker.runReplayHistory(replayOptions(options), history, workflowId);
    return { deterministic: true };
  } catch (err) {
    if (!(err instanceof DeterminismViolationError) && !(err instanceof ReplayError)) throw err;
    const event = eventNamedIn(err.message, history) ?? (await locateDivergence(history, workflowId, options));
    return {
      deterministic: false,
      error: event ? `event ${event.eventId} (${event.type}): ${err.message}` : err.message,
      errorType: err instanceof DeterminismViolationError ? 'DeterminismViolationError' : 'ReplayError',
      ...(event ? { event } : {}),
    };
  }
}

/**
 * The workflow code this deployment's worker runs, bundled once per process on first use (bundling takes seconds,
 * and the API and the worker ship from the same build).
 */
export function currentWorkflowBundle(): () => Promise<WorkflowBundle> {
  let bundle: Promise<WorkflowBundle> | undefined;
  return () => {
    bundle ??= bundleWorkflowCode({
      ...workflowBundleOptions,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    }).then(
      ({ code }) => ({ code }),
      (err: unknown) => {
        bundle = undefined;
        throw err;
      },
    );
    return bundle;
  };
}
