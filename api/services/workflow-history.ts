import type { Client } from '@temporalio/client';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { transcode } from '../../runtime/codec';
import type { Actor } from '../../workflows/messages';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Failure = temporal.api.failure.v1.IFailure;
const { EventType, WorkflowTaskFailedCause, ContinueAsNewInitiator } = temporal.api.enums.v1;

/** One run of a workflow id: the first start, or a run that a continue-as-new, a retry or a reset began. */
export interface WorkflowRun {
  runId: string;
  startedBy: 'start' | 'continued-as-new' | 'retry' | 'cron' | 'reset';
  previousRunId?: string;
  startedAt?: string;
  closedAt?: string;
  /** How the run ended (`completed`, `continued-as-new`, `terminated`, …), or `running`. */
  status: string;
  /** A reset run begins with copies of its base run's events; they are listed once, under the base run. */
  copiedEventsBefore?: number;
}

export interface RunHistory {
  run: WorkflowRun;
  events: HistoryEvent[];
}

export interface AuditEvent {
  eventId: number;
  runId: string;
  time: string;
  type: string;
  summary: string;
  actor?: Actor;
  payload?: unknown;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(String(value ?? 0)));

function timeOf(event: HistoryEvent): string {
  const ts = event.eventTime;
  return ts ? new Date(num(ts.seconds) * 1000 + Math.floor(num(ts.nanos) / 1e6)).toISOString() : '';
}

/** `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED` → `WorkflowExecutionStarted`, the form the Web UI and CLI show. */
export function eventTypeName(event: HistoryEvent): string {
  const name = EventType[event.eventType ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep, c: string) => c.toUpperCase());
}

const words = (pascal: string) => pascal.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

const RUN_STATUS: Partial<Record<number, string>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: 'completed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: 'failed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: 'timed-out',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: 'canceled',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: 'terminated',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW]: 'continued-as-new',
};

/** The last reset marker in a run: the workflow task the reset failed, naming the base run it came from. */
function lastReset(events: HistoryEvent[]): HistoryEvent | undefined {
  return events.findLast(
    (e) =>
      e.workflowTaskFailedEventAttributes?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
  );
}

function describeRun(runId: string, events: HistoryEvent[]): WorkflowRun {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const last = events.at(-1);
  const reset = lastReset(events);
  const run: WorkflowRun = {
    runId,
    startedBy: 'start',
    startedAt: events[0] ? timeOf(events[0]) : undefined,
    status: (last && RUN_STATUS[last.eventType ?? 0]) ?? 'running',
  };
  if (last && RUN_STATUS[last.eventType ?? 0]) run.closedAt = timeOf(last);
  if (reset?.workflowTaskFailedEventAttributes?.baseRunId) {
    run.startedBy = 'reset';
    run.previousRunId = reset.workflowTaskFailedEventAttributes.baseRunId;
    run.copiedEventsBefore = num(reset.eventId);
  } else if (started?.continuedExecutionRunId) {
    run.previousRunId = started.continuedExecutionRunId;
    run.startedBy =
      started.initiator === ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY
        ? 'retry'
        : started.initiator === ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE
          ? 'cron'
          : 'continued-as-new';
  }
  return run;
}

/**
 * Every run of a workflow id, oldest first: from the current run back through continue-as-new (the started event's
 * `continuedExecutionRunId`) and resets (the reset marker's `baseRunId`), each with its full history.
 */
export async function fetchRunChain(client: Client, workflowId: string, maxRuns = 100): Promise<RunHistory[]> {
  const current = await client.workflow.getHandle(workflowId).describe();
  const chain: RunHistory[] = [];
  const seen = new Set<string>();
  let runId: string | undefined = current.runId;
  while (runId && !seen.has(runId) && chain.length < maxRuns) {
    seen.add(runId);
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const run = describeRun(runId, events);
    chain.unshift({ run, events });
    runId = run.previousRunId;
  }
  return chain;
}

function durationText(duration: { seconds?: unknown; nanos?: unknown } | null | undefined): string {
  const ms = num(duration?.seconds) * 1000 + Math.floor(num(duration?.nanos) / 1e6);
  const units: [number, string][] = [
    [24 * 60 * 60 * 1000, 'day'],
    [60 * 60 * 1000, 'hour'],
    [60 * 1000, 'minute'],
    [1000, 'second'],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
    rest -= n * size;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest} ms`);
  return parts.slice(0, 2).join(' ');
}

function failureText(failure: Failure | null | undefined): string {
  const messages: string[] = [];
  for (let f = failure; f && messages.length < 4; f = f.cause) if (f.message) messages.push(f.message);
  return messages.join(': ') || 'no message';
}

function failureOf(failure: Failure | null | undefined) {
  if (!failure) return undefined;
  return {
    message: failureText(failure),
    type: failure.applicationFailureInfo?.type || undefined,
    nonRetryable: failure.applicationFailureInfo?.nonRetryable || undefined,
  };
}

function actorOf(value: unknown): Actor | undefined {
  const actor = (value as { actor?: unknown } | null)?.actor as Partial<Actor> | undefined;
  return actor && typeof actor.role === 'string' && typeof actor.id === 'string'
    ? { role: actor.role, id: actor.id }
    : undefined;
}

const by = (actor: Actor | undefined) => (actor ? ` ${actor.role} ${actor.id}` : '');

/** Turns raw history events into what an auditor reads: decoded payloads, one-line summaries, the actor. */
export class HistoryDescriber {
  private readonly activities = new Map<string, { name: string; input?: unknown }>();
  private readonly attempts = new Map<string, number>();
  private readonly updates = new Map<string, string>();
  private recordSetCreated = false;

  constructor(private readonly converter: LoadedDataConverter) {}

  private async values(payloads: Payload[] | null | undefined): Promise<unknown[]> {
    if (!payloads?.length) return [];
    try {
      const decoded = await transcode(this.converter.payloadCodecs, 'decode', payloads);
      return decoded.map((p) => this.converter.payloadConverter.fromPayload(p));
    } catch (err) {
      return [{ undecodable: (err as Error).message }];
    }
  }

  /**
   * "student record set created/updated" for a completed record-set write, through the regular activity (whose
   * input names the enrollment status) or the local one (whose result does); undefined for any other result.
   */
  private recordSetSummary(result: unknown, input: unknown): string | undefined {
    const studentUniqueId = (result as { studentUniqueId?: unknown } | undefined)?.studentUniqueId;
    if (typeof studentUniqueId !== 'string') return undefined;
    const status = (input as { enrollmentStatus?: unknown } | undefined)?.enrollmentStatus;
    const summary = this.recordSetCreated
      ? `student record set updated: ${studentUniqueId}${typeof status === 'string' ? ` (${status})` : ''}`
      : `student record set created: ${studentUniqueId}`;
    this.recordSetCreated = true;
    return summary;
  }

  private async value(payloads: Payload[] | null | undefined): Promise<unknown> {
    const values = await this.values(payloads);
    return values.length <= 1 ? values[0] : values;
  }

  async describe(runId: string, event: HistoryEvent): Promise<AuditEvent> {
    const key = (id: unknown) => `${runId}:${num(id)}`;
    const base = { eventId: num(event.eventId), runId, time: timeOf(event), type: eventTypeName(event) };
    const out = (summary: string, extra: { actor?: Actor; payload?: unknown } = {}): AuditEvent => ({
      ...base,
      summary,
      ...(extra.actor ? { actor: extra.actor } : {}),
      ...(extra.payload !== undefined ? { payload: extra.payload } : {}),
    });

    if (event.workflowExecutionStartedEventAttributes) {
      const a = event.workflowExecutionStartedEventAttributes;
      const payload = await this.value(a.input?.payloads);
      const from = a.continuedExecutionRunId ? ` (continued from run ${a.continuedExecutionRunId})` : '';
      return out(`workflow started${from}`, { payload });
    }
    if (event.workflowExecutionCompletedEventAttributes) {
      const payload = await this.value(event.workflowExecutionCompletedEventAttributes.result?.payloads);
      const status = (payload as { status?: unknown } | undefined)?.status;
      return out(`workflow completed${typeof status === 'string' ? ` (${status})` : ''}`, { payload });
    }
    if (event.workflowExecutionFailedEventAttributes) {
      const failure = event.workflowExecutionFailedEventAttributes.failure;
      return out(`workflow failed: ${failureText(failure)}`, { payload: failureOf(failure) });
    }
    if (event.workflowExecutionTerminatedEventAttributes) {
      const a = event.workflowExecutionTerminatedEventAttributes;
      return out(`workflow terminated${a.reason ? `: ${a.reason}` : ''}`, { payload: { identity: a.identity } });
    }
    if (event.workflowExecutionContinuedAsNewEventAttributes) {
      const a = event.workflowExecutionContinuedAsNewEventAttributes;
      return out(`continued as new run ${a.newExecutionRunId}`, { payload: await this.value(a.input?.payloads) });
    }
    if (event.workflowExecutionSignaledEventAttributes) {
      const a = event.workflowExecutionSignaledEventAttributes;
      const payload = await this.value(a.input?.payloads);
      const actor = actorOf(payload);
      const step = (payload as { step?: unknown } | undefined)?.step;
      if (a.signalName === 'submitStep' && typeof step === 'number') {
        return out(`step ${step} submitted by${by(actor) || ' unknown'} (signal)`, { actor, payload });
      }
      return out(`signal ${a.signalName}${actor ? ` from${by(actor)}` : ''}`, { actor, payload });
    }
    if (event.workflowExecutionUpdateAcceptedEventAttributes || event.workflowExecutionUpdateAdmittedEventAttributes) {
      const request =
        event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ??
        event.workflowExecutionUpdateAdmittedEventAttributes?.request;
      const name = request?.input?.name ?? 'update';
      if (request?.meta?.updateId) this.updates.set(request.meta.updateId, name);
      const payload = await this.value(request?.input?.args?.payloads);
      const actor = actorOf(payload);
      const step = (payload as { step?: unknown } | undefined)?.step;
      if (event.workflowExecutionUpdateAdmittedEventAttributes)
        return out(`update ${name} admitted`, { actor, payload });
      if (name === 'submitStep' && typeof step === 'number') {
        return out(`step ${step} submitted by${by(actor) || ' unknown'}`, { actor, payload });
      }
      return out(`update ${name} accepted${actor ? ` from${by(actor)}` : ''}`, { actor, payload });
    }
    if (event.workflowExecutionUpdateCompletedEventAttributes) {
      const a = event.workflowExecutionUpdateCompletedEventAttributes;
      const name = this.updates.get(a.meta?.updateId ?? '') ?? 'update';
      if (a.outcome?.failure) {
        return out(`update ${name} failed: ${failureText(a.outcome.failure)}`, {
          payload: failureOf(a.outcome.failure),
        });
      }
      return out(`update ${name} completed`, { payload: await this.value(a.outcome?.success?.payloads) });
    }
    if (event.workflowExecutionUpdateRejectedEventAttributes) {
      const a = event.workflowExecutionUpdateRejectedEventAttributes;
      const payload = await this.value(a.rejectedRequest?.input?.args?.payloads);
      return out(`update rejected: ${failureText(a.failure)}`, { actor: actorOf(payload), payload });
    }
    if (event.activityTaskScheduledEventAttributes) {
      const a = event.activityTaskScheduledEventAttributes;
      const name = a.activityType?.name ?? 'activity';
      const payload = await this.value(a.input?.payloads);
      this.activities.set(key(event.eventId), { name, input: payload });
      return out(`activity ${name} scheduled`, { payload });
    }
    if (event.activityTaskStartedEventAttributes) {
      const a = event.activityTaskStartedEventAttributes;
      const name = this.activities.get(key(a.scheduledEventId))?.name ?? 'activity';
      const attempt = a.attempt ?? 1;
      this.attempts.set(key(event.eventId), attempt);
      const lastFailure = a.lastFailure ? `, after: ${failureText(a.lastFailure)}` : '';
      return out(`activity ${name} started, attempt ${attempt}${lastFailure}`);
    }
    if (event.activityTaskCompletedEventAttributes) {
      const a = event.activityTaskCompletedEventAttributes;
      const activity = this.activities.get(key(a.scheduledEventId));
      const payload = await this.value(a.result?.payloads);
      // A 1.0 `persistEnrollment` result carries the status it wrote; pre-1.0 `syncStudentRecordSet` took it as input.
      const recordSet =
        (activity?.name === 'persistEnrollment' && this.recordSetSummary(payload, payload)) ||
        (activity?.name === 'syncStudentRecordSet' && this.recordSetSummary(payload, activity.input));
      if (recordSet) return out(recordSet, { payload });
      return out(`activity ${activity?.name ?? ''} completed`.replace('  ', ' '), { payload });
    }
    if (event.activityTaskFailedEventAttributes) {
      const a = event.activityTaskFailedEventAttributes;
      const activity = this.activities.get(key(a.scheduledEventId))?.name;
      const attempt = this.attempts.get(key(a.startedEventId)) ?? 1;
      return out(`activity failed, attempt ${attempt}: ${failureText(a.failure)}`, {
        payload: { activity, attempt, failure: failureOf(a.failure) },
      });
    }
    if (event.activityTaskTimedOutEventAttributes) {
      const a = event.activityTaskTimedOutEventAttributes;
      const activity = this.activities.get(key(a.scheduledEventId))?.name ?? '';
      return out(`activity ${activity} timed out: ${failureText(a.failure)}`, { payload: failureOf(a.failure) });
    }
    if (event.timerStartedEventAttributes) {
      return out(`timer started (${durationText(event.timerStartedEventAttributes.startToFireTimeout)})`);
    }
    if (event.timerFiredEventAttributes) return out('timer fired');
    if (event.timerCanceledEventAttributes) return out('timer canceled');
    if (event.workflowTaskFailedEventAttributes) {
      const a = event.workflowTaskFailedEventAttributes;
      if (a.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW) {
        return out(`reset from run ${a.baseRunId}: ${failureText(a.failure)}`, {
          payload: { baseRunId: a.baseRunId, newRunId: a.newRunId, identity: a.identity },
        });
      }
      const cause = WorkflowTaskFailedCause[a.cause ?? 0]?.replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, '').toLowerCase();
      return out(`workflow task failed (${cause}): ${failureText(a.failure)}`, { payload: failureOf(a.failure) });
    }
    if (event.markerRecordedEventAttributes) {
      const a = event.markerRecordedEventAttributes;
      const details = Object.fromEntries(
        await Promise.all(
          Object.entries(a.details ?? {}).map(async ([k, v]) => [k, await this.value(v.payloads)] as const),
        ),
      );
      if (a.markerName === 'core_patch') {
        const patch = details['patch-data'] as { id?: unknown } | undefined;
        return out(`patch ${String(patch?.id ?? '')} recorded`, { payload: details });
      }
      if (a.markerName === 'core_local_activity') {
        const data = details.data as { activity_type?: unknown; attempt?: unknown } | undefined;
        const name = String(data?.activity_type ?? '');
        if (a.failure) {
          return out(`local activity failed, attempt ${String(data?.attempt ?? 1)}: ${failureText(a.failure)}`, {
            payload: { activity: name, attempt: data?.attempt, failure: failureOf(a.failure) },
          });
        }
        const recordSet =
          ['persistEnrollment', 'syncStudentRecordSet'].includes(name) &&
          this.recordSetSummary(details.result, details.result);
        return out(recordSet || `local activity ${name} completed`, { payload: details.result });
      }
      return out(`marker ${a.markerName} recorded`, { payload: details });
    }
    if (event.upsertWorkflowSearchAttributesEventAttributes) {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
      const values = await Promise.all(
        Object.entries(fields).map(async ([k, v]) => [k, await this.value([v])] as const),
      );
      values.sort(([a], [b]) => a.localeCompare(b));
      const text = values.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`).join(', ');
      return out(`search attributes set: ${text}`, { payload: Object.fromEntries(values) });
    }
    return out(words(base.type));
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Personal data
// ------------------------------------------------------------------------------------------------------------------

/** Keys whose values are personal data: names, birth dates, contact details, address, demographics, free text. */
const PERSONAL_KEYS = new Set(
  [
    'firstName',
    'middleName',
    'lastName',
    'givenName',
    'familyName',
    'preferredFirstName',
    'birthDate',
    'email',
    'parentEmail',
    'guardianEmail',
    'recipient',
    'phone',
    'address',
    'line1',
    'line2',
    'city',
    'postalCode',
    'sex',
    'races',
    'hispanicLatinoEthnicity',
    'notes',
    'fileName',
  ].map((k) => k.toLowerCase()),
);

export const MASK = '***';

function collect(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.trim().length >= 3) into.add(value.trim());
  } else if (Array.isArray(value)) value.forEach((v) => collect(v, into));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collect(v, into));
}

function maskValue(value: unknown, found: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => maskValue(v, found));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (PERSONAL_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined) {
          collect(v, found);
          return [k, MASK];
        }
        return [k, maskValue(v, found)];
      }),
    );
  }
  return value;
}

function scrub(value: unknown, pattern: RegExp | undefined): unknown {
  if (!pattern) return value;
  if (typeof value === 'string') return value.replace(pattern, MASK);
  if (Array.isArray(value)) return value.map((v) => scrub(v, pattern));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, pattern)]));
  }
  return value;
}

/**
 * A masker for one history: every value under a personal key becomes "***", and so does any other place those same
 * values appear (an error message quoting a birth date, a summary), so free text cannot leak what the fields hide.
 * The values are gathered from the whole history, so a page masks the same as the whole.
 */
export function personalDataMasker(history: AuditEvent[]): (event: AuditEvent) => AuditEvent {
  const found = new Set<string>();
  for (const e of history) if (e.payload !== undefined) maskValue(e.payload, found);
  const escaped = [...found].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = escaped.length ? new RegExp(`(?<!\\w)(?:${escaped.join('|')})(?!\\w)`, 'gi') : undefined;
  return (e) => ({
    ...e,
    summary: scrub(e.summary, pattern) as string,
    ...(e.payload !== undefined ? { payload: scrub(maskValue(e.payload, new Set()), pattern) } : {}),
  });
}

/** Decoded, summarized events of the whole chain; events a reset run copied from its base run appear once. */
export async function describeChain(chain: RunHistory[], converter: LoadedDataConverter): Promise<AuditEvent[]> {
  const describer = new HistoryDescriber(converter);
  const events: AuditEvent[] = [];
  for (const { run, events: raw } of chain) {
    for (const event of raw) {
      // Copies are still described (unlisted) so later events of this run can name their activity or update.
      const described = await describer.describe(run.runId, event);
      if (run.copiedEventsBefore === undefined || described.eventId >= run.copiedEventsBefore) events.push(described);
    }
  }
  return events;
}
