import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { TimelineProjection } from '../../domain/timeline';
import {
  analyze,
  change,
  createTimeline,
  diffSteps,
  dueForReminder,
  instantiate,
  nextReminderAt,
  pruneReminded,
  redo,
  timelineView,
  TimelineRefusal,
  undo,
  type Outcome,
  type TimelineEvent,
  type TimelineSession,
  type TimelineState,
} from '../../domain/timeline';
import {
  analyticsQuery,
  changeLogQuery,
  changeUpdate,
  redoUpdate,
  TimelineFailureTypes,
  timelineQuery,
  undoUpdate,
  whenStoredUpdate,
  type ChangeResult,
  type RefusalDetails,
  type TimelineWorkflowInput,
} from './messages';
import { actorSchema, changeBodySchema, revertBodySchema } from './schemas';

const { loadTimelineTemplate } = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: [TimelineFailureTypes.unknownTemplate],
  },
});

/** Database writes, retried for as long as the database is away. */
const durable = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** The same writes tried quickly inside the workflow task first; a database that stays away must not hold it. */
const quick = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 2 },
});

/**
 * The projection write, tried as a local activity (a caller waits on it), then handed to a regular activity that
 * keeps retrying. Only this write runs locally: two local activities in flight at once could resolve in one
 * activation on replay but in two when first run, and their continuations would then issue commands in another order.
 */
async function project(projection: TimelineProjection): Promise<void> {
  try {
    await quick.projectTimeline(projection);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await durable.projectTimeline(projection);
  }
}

/** How many events of the current run the `changeLog` query keeps. */
const RECENT_EVENTS = 100;

const now = (): string => new Date().toISOString();

function refused(err: unknown): never {
  if (err instanceof TimelineRefusal) {
    const details: RefusalDetails = { code: err.code, status: err.status, ...(err.path ? { path: err.path } : {}) };
    throw ApplicationFailure.create({
      type: TimelineFailureTypes.refused,
      message: err.message,
      nonRetryable: true,
      details: [details],
    });
  }
  throw err;
}

type Parser<T> = {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: ZodIssueLike[] } };
};
interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
}

/** Messages may come from anywhere (the API, a parent workflow): the validator checks their shape too. */
function parsed<T>(schema: Parser<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
  const details: RefusalDetails = { code: 'invalid_request', status: 400, issues };
  throw ApplicationFailure.create({
    type: TimelineFailureTypes.refused,
    message: issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '),
    nonRetryable: true,
    details: [details],
  });
}

/**
 * A coach's launch timeline. The state is the fold of its change events (the pure `domain/timeline`); this
 * workflow only wires the updates to it, writes each event with the steps it leads to, reminds the coach when a
 * step falls due, and continues as new when the server suggests it, carrying the state and the bounded undo stacks.
 */
export async function coachTimelineWorkflow(input: TimelineWorkflowInput): Promise<void> {
  let session: TimelineSession | undefined = input.carried?.session;
  let reminded: Record<string, string> = input.carried?.reminded ?? {};
  /** What the tables hold: the timeline as of the last projection written. */
  let projected: TimelineState | undefined = session?.timeline;
  const pending: TimelineEvent[] = [];
  const recent: TimelineEvent[] = [];
  let remindersBusy = false;

  const ready = () => session !== undefined;
  const current = (): TimelineSession => {
    if (!session) throw ApplicationFailure.nonRetryable('the timeline is still being created', 'TimelineNotReady');
    return session;
  };

  const record = async (outcome: Outcome): Promise<ChangeResult> => {
    session = outcome.session;
    pending.push(outcome.event);
    recent.push(outcome.event);
    if (recent.length > RECENT_EVENTS) recent.shift();
    const result: ChangeResult = {
      timeline: timelineView(outcome.session.timeline, now()),
      event: outcome.event,
      ...(outcome.warnings.length ? { warnings: outcome.warnings } : {}),
    };
    // Answered once the event is stored: a caller that sees it can read it back from the change log.
    await condition(() => (projected?.sequence ?? 0) >= outcome.event.sequence);
    return result;
  };

  setHandler(timelineQuery, (asOf?: string) => timelineView(current().timeline, asOf ?? now()));
  setHandler(analyticsQuery, (asOf?: string) => analyze(current().timeline, asOf ?? now()));
  setHandler(changeLogQuery, () => [...recent]);

  const split = (message: unknown) => {
    const { actor, ...body } = (message ?? {}) as { actor?: unknown };
    return { actor: parsed(actorSchema, actor, 'actor'), body };
  };
  const decideChange = (message: unknown) => {
    const { actor, body } = split(message);
    const request = parsed(changeBodySchema, body, '');
    return (s: TimelineSession) => change(s, request, actor, now());
  };
  const decideRevert = (message: unknown, revert: typeof undo) => {
    const { actor, body } = split(message);
    const options = parsed(revertBodySchema, body, '');
    return (s: TimelineSession) => revert(s, actor, now(), options);
  };
  // Validators refuse before anything is recorded; the handler decides again on the state it then finds.
  const validate = (decide: (s: TimelineSession) => Outcome) => {
    if (session) {
      try {
        decide(session);
      } catch (err) {
        refused(err);
      }
    }
  };
  const run = async (decide: (s: TimelineSession) => Outcome) => {
    await condition(ready);
    let outcome: Outcome;
    try {
      outcome = decide(current());
    } catch (err) {
      refused(err);
    }
    return record(outcome);
  };

  setHandler(whenStoredUpdate, async () => {
    await condition(() => projected !== undefined);
    return timelineView(current().timeline, now());
  });
  setHandler(changeUpdate, (message) => run(decideChange(message)), {
    validator: (message) => validate(decideChange(message)),
  });
  setHandler(undoUpdate, (message) => run(decideRevert(message, undo)), {
    validator: (message) => validate(decideRevert(message, undo)),
  });
  setHandler(redoUpdate, (message) => run(decideRevert(message, redo)), {
    validator: (message) => validate(decideRevert(message, redo)),
  });

  if (!session) {
    const template = await loadTimelineTemplate(input.templateId);
    const { carried: _carried, ...header } = input;
    const created = createTimeline(instantiate(header, template), { actorId: 'system', triggeredBy: 'system' }, now());
    session = created.session;
    pending.push(created.event);
    recent.push(created.event);
  }

  /** Writes the events in order, batched: all that arrived while the previous write ran go in one transaction. */
  const projectLoop = async () => {
    for (;;) {
      await condition(() => pending.length > 0);
      const events = pending.splice(0);
      const target = current().timeline;
      const { steps: _steps, ...timeline } = target;
      const projection: TimelineProjection = { timeline, events, ...diffSteps(projected, target) };
      await project(projection);
      projected = target;
    }
  };

  /** Sleeps until the next step falls due; a changed due date (or status) moves the timer. */
  const reminderLoop = async () => {
    for (;;) {
      const due = dueForReminder(current().timeline, reminded, Date.now());
      if (due.length > 0) {
        remindersBusy = true;
        for (const step of due) {
          await durable.queueDueReminder({
            timelineId: input.timelineId,
            coachId: input.coachId,
            stepId: step.stepId,
            stepName: step.name,
            dueDate: step.dueDate as string,
          });
          reminded = { ...reminded, [step.stepId]: step.dueDate as string };
        }
        remindersBusy = false;
        continue;
      }
      const next = nextReminderAt(current().timeline, reminded);
      const moved = () => nextReminderAt(current().timeline, reminded) !== next;
      if (next === undefined) await condition(moved);
      else await condition(moved, Math.max(next - Date.now(), 1));
    }
  };

  void projectLoop();
  void reminderLoop();

  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(
    () => allHandlersFinished() && pending.length === 0 && projected === current().timeline && !remindersBusy,
  );
  const carried = { session: current(), reminded: pruneReminded(current().timeline, reminded) };
  await continueAsNew<typeof coachTimelineWorkflow>({ ...input, carried });
}
