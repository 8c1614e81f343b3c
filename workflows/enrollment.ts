import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnrollmentProjection } from '../db/repositories/enrollments';
import { studentCorrectionsSchema } from './enrollment-schemas';
import {
  afterRecordsSynced,
  applyCancel,
  applyConsultationCompleted,
  applyDocumentsVerified,
  applyPaymentConfirmed,
  applyRetryRequest,
  applySubmission,
  close,
  closedBeforeWithdrawal,
  currentStep,
  initialState,
  isClosed,
  isFinished,
  recordSetSnapshot,
  recordsFailed,
  recordsSynced,
  recordsSyncPending,
  reject,
  StepRejection,
  toProgress,
  toProjection,
  validateSubmission,
  withdrawWrittenRecords,
  type EnrollmentState,
  type StudentRecordSetInput,
} from './enrollment-state';
import {
  cancelSignal,
  CoachIdKey,
  consultationCompletedSignal,
  documentsVerifiedSignal,
  EnrollmentStatusKey,
  EnrollmentStepKey,
  FailureTypes,
  paymentConfirmedSignal,
  progressQuery,
  retryStudentRecordsSignal,
  SchoolIdKey,
  StudentRecordsStatusKey,
  submitStepSignal,
  submitStepUpdate,
  type EnrollmentInput,
  type EnrollmentProgress,
} from './messages';

const DAY = 24 * 60 * 60 * 1000;

/** Short database writes: retried quickly and for as long as the database is away. */
const { projectEnrollment, queueNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * The same projection write as a local activity, retried without end: enrollments started between the
 * `projection-as-local-activity` and `projection-on-change-local-first` patches replay with it. While the database
 * was away it held the workflow task, and the parent's answer, open until the task's heartbeat (8 s).
 */
const { projectEnrollment: projectEnrollmentLocally } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * The projection write tried first as a local activity, a few times: a database that stays away must not hold the
 * workflow task (and with it the parent's answer) open; the regular activity above takes over and keeps retrying.
 */
const { projectEnrollment: projectEnrollmentQuickly } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * The record set: transient failures (database down) retry with backoff until they succeed; a validation or
 * constraint failure is non-retryable and waits for an operator.
 */
const { syncStudentRecordSet } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    nonRetryableErrorTypes: [FailureTypes.studentRecordsInvalid],
  },
});

/**
 * The same record-set write as a local activity, tried first: it runs inside the workflow task, with no round trip
 * through the activity queue, and a few quick attempts. When the database stays away it gives up and the regular
 * activity above takes over, so the retries show in `describe` and the Web UI while operators wait.
 */
const { syncStudentRecordSet: syncStudentRecordSetLocally } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: [FailureTypes.studentRecordsInvalid],
  },
});

/**
 * The patches that `one-marker-for-earlier-patches` stands for. Nothing may be added to this list: runs started with
 * that marker would take an added patch's new path on replay without ever having recorded it.
 */
type EarlierPatch =
  | 'projection-as-local-activity'
  | 'skip-unchanged-record-set'
  | 'projection-on-change-local-first'
  | 'records-local-first'
  | 'lazy-inactivity-timer'
  | 'records-carry-projection'
  | 'withdraw-records-written-after-close'
  | 'records-retried-until-workflow-ends';

const now = (): string => new Date().toISOString();

/** Workflow time first: a run that replaces this one (an operator's reset) writes higher versions. */
const projectionVersion = (stateVersion: number): number => Date.now() * 1000 + (stateVersion % 1000);

/** Six characters A-Z0-9; the workflow's Math.random is seeded, so this replays identically. */
function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length: 6 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentProgress> {
  const state: EnrollmentState = initialState(input, now());
  const timings = {
    firstReminderAfterMs: input.timings?.firstReminderAfterMs ?? 3 * DAY,
    secondReminderAfterMs: input.timings?.secondReminderAfterMs ?? 7 * DAY,
    expireAfterMs: input.timings?.expireAfterMs ?? 30 * DAY,
  };

  const assignStudentId = (): void => {
    if (state.student && !state.records.studentUniqueId) {
      state.records.studentUniqueId = `TSA-STU-${now().slice(0, 10).replaceAll('-', '')}-${randomSuffix()}`;
    }
  };

  setHandler(progressQuery, () => toProgress(state));

  setHandler(
    submitStepUpdate,
    (message) => {
      applySubmission(
        state,
        toApplicationFailure(() => validateSubmission(state, message)),
        now(),
      );
      assignStudentId();
      return toProgress(state);
    },
    { validator: (message) => void toApplicationFailure(() => validateSubmission(state, message)) },
  );

  setHandler(submitStepSignal, (message) => {
    try {
      applySubmission(state, validateSubmission(state, message), now());
      assignStudentId();
    } catch (err) {
      if (!(err instanceof StepRejection)) throw err;
      const step = typeof message?.step === 'number' ? message.step : undefined;
      reject(state, now(), 'submitStep', err.message, step);
    }
  });

  setHandler(consultationCompletedSignal, (message) => applyConsultationCompleted(state, message, now()));
  setHandler(documentsVerifiedSignal, (message) => applyDocumentsVerified(state, message, now()));
  setHandler(paymentConfirmedSignal, (message) => applyPaymentConfirmed(state, message, now()));
  setHandler(cancelSignal, (message) => applyCancel(state, message, now()));
  /** Every `retryStudentRecords` that arrived, applied or not. */
  let retryRequests = 0;
  setHandler(retryStudentRecordsSignal, (message) => {
    retryRequests += 1;
    const corrections = studentCorrectionsSchema.safeParse(message?.corrections ?? {});
    if (!corrections.success) {
      return reject(state, now(), 'retryStudentRecords', `invalid corrections: ${corrections.error.message}`, 4);
    }
    applyRetryRequest(state, message?.corrections ? corrections.data : undefined, now());
  });

  // Shared by the two write loops: the `enrollments` row content last written, and whether the record-set write under
  // way (or about to start) carries the row as it will read once that write succeeds (`records-carry-projection`).
  let lastProjection = { content: '', version: 0 };
  /** A slower write of an older row (a regular activity during an outage) must not replace what a newer one wrote. */
  const projectionWritten = (content: string, version: number) => {
    if (version >= lastProjection.version) lastProjection = { content, version };
  };
  let carryProjection = false;
  /** Set when the projection loop has written the finished enrollment's row: the workflow is about to end. */
  let projectionDone = false;
  let recordsFallingBack = false;
  const projectionDeferred = () => carryProjection && !recordsFallingBack && recordsSyncPending(state);

  // Each patch records a marker in a new enrollment's history, and the SDK upserts `TemporalChangeVersion` with it:
  // two events and a visibility write per patch. A new enrollment records this one marker instead, which stands for
  // every earlier patch; enrollments started before it replay without it and ask each patch as they did. A later
  // change calls `patched()` itself: runs started with this marker must not take it unasked.
  const current = patched('one-marker-for-earlier-patches');
  const adopted = (patchId: EarlierPatch): boolean => current || patched(patchId);

  await Promise.all([syncRecords(), syncProjection(), watchInactivity()]);
  await condition(allHandlersFinished);
  return toProgress(state);

  /** Keeps the student record set in step with the state, coalescing bursts of changes into one write. */
  async function syncRecords(): Promise<void> {
    // Enrollments started before this change wrote every requested snapshot, and keep doing so when they replay.
    const skipUnchanged = adopted('skip-unchanged-record-set');
    // Enrollments started before this change wrote through the regular activity only, and do so on replay.
    const localFirst = adopted('records-local-first');
    const write = localFirst ? writeLocalFirst : syncStudentRecordSet;
    // Enrollments started before this change wrote the projection on its own after every record-set write.
    carryProjection = localFirst && adopted('records-carry-projection');
    let lastWritten: string | undefined;
    for (;;) {
      await condition(() => recordsSyncPending(state) || isFinished(state));
      if (isFinished(state)) {
        // Finished, but the projection loop may still be writing the row, and an operator's retry with corrections can
        // arrive until it is done: this loop stays for it. Waiting adds no command, so recorded runs replay unchanged.
        await condition(() => recordsSyncPending(state) || projectionDone);
        if (projectionDone) return;
        // An enrollment that such a retry left waiting before this change replays without the marker, and waits on
        // as it did; the next retry an operator sends (with or without corrections) finds the patch live, and the
        // records are written.
        while (!adopted('records-retried-until-workflow-ends')) {
          const seen = retryRequests;
          await condition(() => retryRequests !== seen);
        }
        continue;
      }
      const snapshot = recordSetSnapshot(state);
      // A change the rows do not carry (a payment reference awaiting confirmation, say) needs no write.
      const content = JSON.stringify({ ...snapshot, version: 0 });
      if (skipUnchanged && content === lastWritten) {
        recordsSynced(state, snapshot, snapshot.studentUniqueId, now());
        continue;
      }
      state.records.attempts += state.records.status === 'created' ? 0 : 1;
      try {
        const written = await write(snapshot);
        recordsSynced(state, snapshot, written.studentUniqueId, now());
        lastWritten = content;
        // A cancel or expiry that came while this write was in flight found nothing to withdraw: withdraw it now.
        // (Enrollments started before `one-marker-for-earlier-patches` ask this patch only here, so those that never
        // meet this case record no marker for it.)
        if (closedBeforeWithdrawal(state, snapshot) && adopted('withdraw-records-written-after-close')) {
          withdrawWrittenRecords(state);
        }
      } catch (err) {
        recordsFailed(state, failureMessage(err), now());
      }
    }
  }

  /**
   * A local attempt first; a refused write fails as it is, anything else goes to the regular activity. The local
   * attempt carries the `enrollments` row as it reads once the write succeeds, written in the same transaction.
   */
  async function writeLocalFirst(snapshot: StudentRecordSetInput) {
    const after = carryProjection ? afterRecordsSynced(state, snapshot, now()) : undefined;
    const carried = after && { ...toProjection(after), version: projectionVersion(after.version) };
    try {
      const written = await syncStudentRecordSetLocally(carried ? { ...snapshot, projection: carried } : snapshot);
      if (carried) {
        // The activity wrote the row with the student id the database holds, which a reset run may not have drawn.
        const { version, ...row } = { ...carried, studentUniqueId: written.studentUniqueId };
        projectionWritten(JSON.stringify(row), version);
      }
      return written;
    } catch (err) {
      if (isFailureOfType(err, FailureTypes.studentRecordsInvalid)) throw err;
      // The database stays away: the projection goes back to its own writes while the regular activity retries.
      recordsFallingBack = true;
      try {
        return await syncStudentRecordSet(snapshot);
      } finally {
        recordsFallingBack = false;
      }
    }
  }

  /** A few local attempts first; then the regular activity, retried for as long as the database is away. */
  async function projectLocalFirst(projection: EnrollmentProjection): Promise<void> {
    try {
      await projectEnrollmentQuickly(projection);
    } catch {
      await projectEnrollment(projection);
    }
  }

  /** Writes the `enrollments` projection after every change to what it shows; a later version always wins. */
  async function syncProjection(): Promise<void> {
    let projected = 0;
    let searchAttributes = '';
    // Enrollments started before each change keep its predecessor's behaviour when they replay: regular activities
    // only; then an unbounded local activity for every version; now a bounded local one, only for changes the row shows.
    const localFirst = adopted('projection-on-change-local-first');
    const project = localFirst
      ? projectLocalFirst
      : adopted('projection-as-local-activity')
        ? projectEnrollmentLocally
        : projectEnrollment;
    for (;;) {
      // While a record-set write that carries the row is pending or under way, the row waits for it.
      await condition(
        () =>
          (state.version > projected && !projectionDeferred()) || (isFinished(state) && state.version === projected),
      );
      if (state.version === projected) {
        projectionDone = true;
        return;
      }
      const version = state.version;
      const attributes = {
        status: state.status,
        step: currentStep(state),
        records: state.records.status,
      };
      const key = JSON.stringify(attributes);
      if (key !== searchAttributes) {
        upsertSearchAttributes([
          { key: EnrollmentStatusKey, value: attributes.status },
          { key: EnrollmentStepKey, value: attributes.step },
          { key: StudentRecordsStatusKey, value: attributes.records },
          { key: SchoolIdKey, value: state.schoolId },
          ...(state.coachId ? [{ key: CoachIdKey, value: state.coachId }] : []),
        ]);
        searchAttributes = key;
      }
      const projection = toProjection(state);
      // A change the row does not show (a scheduled consultation awaiting the coach, say) needs no write, nor does
      // a row a record-set write already carried.
      const content = JSON.stringify(projection);
      if (!localFirst || content !== lastProjection.content) {
        const projectionVersionWritten = projectionVersion(version);
        // The record set's local attempts have just found the database away: straight to the regular activity,
        // rather than three more local attempts holding the parent's answer.
        const write = carryProjection && recordsFallingBack ? projectEnrollment : project;
        await write({ ...projection, version: projectionVersionWritten });
        projectionWritten(content, projectionVersionWritten);
      }
      projected = version;
    }
  }

  /** Reminders after 3 and 7 days without progress, expiry after 30; any progress starts the clock again. */
  async function watchInactivity(): Promise<void> {
    // Enrollments started before this change re-armed their timers on every change, and keep doing so on replay.
    if (!adopted('lazy-inactivity-timer')) return watchInactivityRearmingTimers();
    const stages = [
      { kind: 'enrollment_reminder_1', after: timings.firstReminderAfterMs },
      { kind: 'enrollment_reminder_2', after: timings.secondReminderAfterMs },
      { kind: 'expiry', after: timings.expireAfterMs },
    ] as const;
    const closed = condition(() => isClosed(state));
    let version = state.version;
    let stage = 0;
    while (!isClosed(state)) {
      const { kind, after } = stages[stage]!;
      const due = Date.parse(state.progressedAt) + after;
      // One timer per deadline. Before the first reminder, progress only moves the deadline later: the timer runs on
      // and, when it fires, is set again for the time left, instead of a timer cancelled and started on every answer
      // (two events and two timer tasks on the server each). After a reminder, progress brings the next deadline (the
      // first reminder again) closer, so it wakes the watch and the running timer is cancelled.
      const timer = new CancellationScope();
      const fired = timer
        .run(() => sleep(Math.max(1, due - Date.now())))
        .then(
          () => true,
          () => false,
        );
      const seen = version;
      const wake = stage === 0 ? closed : Promise.race([closed, condition(() => state.version !== seen)]);
      const timedOut = await Promise.race([fired, wake.then(() => false)]);
      if (isClosed(state)) return;
      if (state.version !== version) {
        if (!timedOut) timer.cancel();
        version = state.version;
        stage = 0;
        continue;
      }
      if (kind === 'expiry') {
        close(state, 'expired', `no progress for ${Math.round(after / DAY)} days`, now());
        return;
      }
      await queueNotification({
        dedupeKey: `${state.enrollmentId}:${kind}:${version}`,
        kind,
        enrollmentId: state.enrollmentId,
        recipient: input.parentEmail,
        payload: { currentStep: currentStep(state), inactiveSince: state.progressedAt },
      });
      if (state.version !== version) {
        // Progress while the reminder was being queued starts the clock again.
        version = state.version;
        stage = 0;
      } else {
        stage += 1;
      }
    }
  }

  /** The inactivity watch of enrollments started before `lazy-inactivity-timer`: a new timer after every change. */
  async function watchInactivityRearmingTimers(): Promise<void> {
    while (!isClosed(state)) {
      const version = state.version;
      const since = Date.now();
      const reminders = [
        { kind: 'enrollment_reminder_1', at: timings.firstReminderAfterMs },
        { kind: 'enrollment_reminder_2', at: timings.secondReminderAfterMs },
      ];
      let progressed = false;
      for (const reminder of reminders) {
        progressed = await condition(() => state.version !== version, Math.max(0, since + reminder.at - Date.now()));
        if (progressed) break;
        await queueNotification({
          dedupeKey: `${state.enrollmentId}:${reminder.kind}:${version}`,
          kind: reminder.kind,
          enrollmentId: state.enrollmentId,
          recipient: input.parentEmail,
          payload: { currentStep: currentStep(state), inactiveSince: new Date(since).toISOString() },
        });
      }
      if (progressed) continue;
      if (await condition(() => state.version !== version, Math.max(0, since + timings.expireAfterMs - Date.now()))) {
        continue;
      }
      close(state, 'expired', `no progress for ${Math.round(timings.expireAfterMs / DAY)} days`, now());
    }
  }
}

/** Update rejections cross to the client as ApplicationFailures, whose type the API maps to 400 or 409. */
function toApplicationFailure<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StepRejection) {
      throw ApplicationFailure.create({
        type: err.type,
        message: err.message,
        nonRetryable: true,
        details: err.issues ? [err.issues] : [],
      });
    }
    throw err;
  }
}

/** What an activity failed with: a regular activity's failure wraps it, a local activity's may not. */
const causeOf = (err: unknown): unknown => (err instanceof ActivityFailure ? err.cause : err);

function isFailureOfType(err: unknown, type: string): boolean {
  const cause = causeOf(err);
  return cause instanceof ApplicationFailure && cause.type === type;
}

function failureMessage(err: unknown): string {
  const cause = causeOf(err);
  return cause instanceof Error ? cause.message : String(cause);
}
