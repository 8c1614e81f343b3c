/**
 * The parent's six-step enrollment (SPEC §3), release 1.0. Messages change the state through the pure functions of
 * `enrollment-state.ts`; two loops do the rest: one keeps the database in step with the state, one watches for
 * inactivity. From 1.0 on, a change to what this code does ships behind `patched()` (docs/versioning.md).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RecordsRefusal } from '../activities/enrollments';
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
  toProjection,
  toProgress,
  validateSubmission,
  type EnrollmentState,
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

/** Refused data waits for an operator; retrying it unchanged cannot help. */
const nonRetryableErrorTypes = [FailureTypes.studentRecordsInvalid];

/** Inside the workflow task, no round trip through the activity queue: a few quick attempts. */
const QUICKLY: LocalActivityOptions = {
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes },
};

/**
 * Then as a regular activity, retried for as long as the database is away; its retries show in `describe` and the Web
 * UI, and the workflow task (with the parent's answer) is not held meanwhile.
 */
const PATIENTLY: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes },
};

const quickly = proxyLocalActivities<Activities>(QUICKLY);
const patiently = proxyActivities<Activities>(PATIENTLY);

/** A database write: a few local attempts, then the regular activity. A refusal of the data fails as it is. */
async function write<T>(call: (activities: Activities) => Promise<T>): Promise<T> {
  try {
    return await call(quickly);
  } catch (err) {
    if (refusalOf(err)) throw err;
    return await call(patiently);
  }
}

const now = (): string => new Date().toISOString();

/** Workflow time first: a run that replaces this one (an operator's reset) writes higher versions. */
const rowVersion = (stateVersion: number): number => Date.now() * 1000 + (stateVersion % 1000);

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
        asFailure(() => validateSubmission(state, message)),
        now(),
      );
      assignStudentId();
      return toProgress(state);
    },
    { validator: (message) => void asFailure(() => validateSubmission(state, message)) },
  );
  setHandler(submitStepSignal, (message) => {
    try {
      applySubmission(state, validateSubmission(state, message), now());
      assignStudentId();
    } catch (err) {
      if (!(err instanceof StepRejection)) throw err;
      reject(state, now(), 'submitStep', err.message, typeof message?.step === 'number' ? message.step : undefined);
    }
  });
  setHandler(consultationCompletedSignal, (message) => applyConsultationCompleted(state, message, now()));
  setHandler(documentsVerifiedSignal, (message) => applyDocumentsVerified(state, message, now()));
  setHandler(paymentConfirmedSignal, (message) => applyPaymentConfirmed(state, message, now()));
  setHandler(cancelSignal, (message) => applyCancel(state, message, now()));
  setHandler(retryStudentRecordsSignal, (message) => {
    const corrections = studentCorrectionsSchema.safeParse(message?.corrections ?? {});
    if (!corrections.success) {
      return reject(state, now(), 'retryStudentRecords', `invalid corrections: ${corrections.error.message}`, 4);
    }
    applyRetryRequest(state, message?.corrections ? corrections.data : undefined, now());
  });

  await Promise.all([keepDatabaseInStep(), watchInactivity()]);
  await condition(allHandlersFinished);
  return toProgress(state);

  /**
   * After every change: the student record set (when the state holds changes it must reflect) and the `enrollments`
   * row, in one write. Bursts of changes coalesce into the next write; a change neither shows needs none.
   */
  async function keepDatabaseInStep(): Promise<void> {
    let persisted = 0;
    let lastRow = '';
    let lastAttributes = '';
    for (;;) {
      await condition(() => state.version !== persisted || isFinished(state));
      if (state.version === persisted) return;
      const version = state.version;
      const recordSet = recordsSyncPending(state) ? recordSetSnapshot(state) : undefined;
      if (recordSet && state.records.status !== 'created') state.records.attempts += 1;
      // The row as it reads once this write succeeds, so that success needs no second write.
      const shown = recordSet ? afterRecordsSynced(state, recordSet, now()) : state;
      const row = toProjection(shown);

      const attributes = JSON.stringify([row.status, row.currentStep, row.studentRecordsStatus]);
      if (attributes !== lastAttributes) {
        upsertSearchAttributes([
          { key: EnrollmentStatusKey, value: row.status },
          { key: EnrollmentStepKey, value: row.currentStep },
          { key: StudentRecordsStatusKey, value: row.studentRecordsStatus },
          { key: SchoolIdKey, value: state.schoolId },
          ...(state.coachId ? [{ key: CoachIdKey, value: state.coachId }] : []),
        ]);
        lastAttributes = attributes;
      }

      if (recordSet || JSON.stringify(row) !== lastRow) {
        try {
          const written = await write((a) =>
            a.persistEnrollment({
              ...(recordSet ? { recordSet } : {}),
              row: { ...row, version: rowVersion(shown.version) },
            }),
          );
          if (recordSet) {
            recordsSynced(state, recordSet, written.studentUniqueId ?? recordSet.studentUniqueId, now());
          }
          lastRow = JSON.stringify(recordSet ? toProjection(state) : row);
        } catch (err) {
          const refusal = refusalOf(err);
          if (!refusal) throw err;
          recordsFailed(state, refusal, now());
        }
      }
      persisted = version;
    }
  }

  /** Reminders after 3 and 7 days without progress, expiry after 30; any progress starts the clock again. */
  async function watchInactivity(): Promise<void> {
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
      // and, when it fires, is set again for the time left, rather than a timer cancelled and started on every answer.
      // After a reminder, progress brings the next deadline (the first reminder again) closer, so it wakes the watch.
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
      await write((a) =>
        a.queueNotification({
          dedupeKey: `${state.enrollmentId}:${kind}:${version}`,
          kind,
          enrollmentId: state.enrollmentId,
          recipient: input.parentEmail,
          payload: { currentStep: currentStep(state), inactiveSince: state.progressedAt },
        }),
      );
      // Progress while the reminder was being queued starts the clock again.
      stage = state.version !== version ? 0 : stage + 1;
      version = state.version;
    }
  }
}

/** Update rejections cross to the client as ApplicationFailures, whose type the API maps to 400 or 409. */
function asFailure<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof StepRejection)) throw err;
    throw ApplicationFailure.create({
      type: err.type,
      message: err.message,
      nonRetryable: true,
      details: err.issues ? [err.issues] : [],
    });
  }
}

/** The database's refusal of the student's data, for the parent and for operators; undefined for anything else. */
function refusalOf(err: unknown): { parentMessage: string; detail: string } | undefined {
  // A regular activity's failure wraps the cause; a local activity's may not.
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (!(cause instanceof ApplicationFailure) || cause.type !== FailureTypes.studentRecordsInvalid) return undefined;
  const [refusal] = (cause.details ?? []) as [RecordsRefusal?];
  return { parentMessage: refusal?.parentMessage ?? cause.message, detail: cause.message };
}
