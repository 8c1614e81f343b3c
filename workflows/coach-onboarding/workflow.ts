import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { OutboxMessage } from '../../domain/notifications';
import { CoachIdKey, CoachOnboardingStatusKey, CoachOnboardingStepKey } from '../messages';
import {
  backgroundCheckCompletedSignal,
  backgroundCheckRerequestedSignal,
  backgroundCheckReviewedSignal,
  COACH_TIMELINE_WORKFLOW_TYPE,
  coachProgressQuery,
  startQuizAttemptUpdate,
  submitCoachStepUpdate,
  timelineWorkflowId,
  type CoachOnboardingInput,
  type CoachOnboardingProgress,
} from './messages';
import {
  applyCheckEvent,
  applyRerequest,
  applyReview,
  applySubmission,
  checkAwaitingReport,
  checkRequested,
  checkRequestPending,
  close,
  CoachStepRejection,
  completed,
  currentStep,
  expireCheck,
  initialState,
  isClosed,
  quizAttemptRow,
  schoolCreated,
  startQuizAttempt,
  timelineInput,
  toProgress,
  toProjection,
  validateQuizStart,
  validateSubmission,
  type CoachState,
} from './state';

const DAY = 24 * 60 * 60 * 1000;
/** Must match `BACKGROUND_CHECK_REFUSED` in activities/coach-onboarding.ts (workflow code imports activities as types). */
const BACKGROUND_CHECK_REFUSED = 'BackgroundCheckRequestRefused';

type Persisted =
  'projectCoach' | 'queueCoachNotification' | 'recordQuizAttempt' | 'createCoachSchool' | 'activateCoach';

/** Database writes, first as a local activity inside the workflow task: a few quick attempts, no queue round trip. */
const quickly = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** The same writes as regular activities, retried for as long as the database is away (and visible while they are). */
const durably = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** The provider's API: retried while it is unreachable; a request it refuses for good ends the check. */
const { requestBackgroundCheck } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [BACKGROUND_CHECK_REFUSED],
  },
});

/**
 * One helper for every write: a database that stays away must not hold the workflow task (and the coach's answer)
 * open, so after the local attempts the regular activity takes over and retries without end.
 */
async function persist<K extends Persisted>(
  name: K,
  ...args: Parameters<Activities[K]>
): Promise<Awaited<ReturnType<Activities[K]>>> {
  type Write = (...a: Parameters<Activities[K]>) => Promise<Awaited<ReturnType<Activities[K]>>>;
  try {
    return await (quickly[name] as Write)(...args);
  } catch {
    return (durably[name] as Write)(...args);
  }
}

const now = (): string => new Date().toISOString();

/** Workflow time first: a run that replaces this one (an operator's reset) writes higher versions. */
const projectionVersion = (stateVersion: number): number => Date.now() * 1000 + (stateVersion % 1000);

/** Six characters A-Z0-9; the workflow's Math.random is seeded, so this replays identically. */
function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length: 6 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

export async function coachOnboardingWorkflow(input: CoachOnboardingInput): Promise<CoachOnboardingProgress> {
  const state: CoachState = initialState(input, now());
  const timings = {
    firstReminderAfterMs: input.timings?.firstReminderAfterMs ?? 3 * DAY,
    secondReminderAfterMs: input.timings?.secondReminderAfterMs ?? 7 * DAY,
    expireAfterMs: input.timings?.expireAfterMs ?? 30 * DAY,
    backgroundCheckExpiresAfterMs: input.timings?.backgroundCheckExpiresAfterMs ?? 14 * DAY,
    quizWindowMs: input.timings?.quizWindowMs ?? DAY,
  };
  const progress = () => toProgress(state, now(), timings.quizWindowMs);
  const outbox: OutboxMessage[] = [];
  const notify = (kind: string, payload: Record<string, unknown>, key: string) =>
    outbox.push({ dedupeKey: `${state.coachId}:${kind}:${key}`, kind, recipient: input.email, payload });

  setHandler(coachProgressQuery, progress);

  setHandler(
    submitCoachStepUpdate,
    async (message) => {
      const submission = asUpdateFailure(() => validateSubmission(state, message, now()));
      applySubmission(state, submission, now());
      if (submission.step === 4) {
        const attempt = state.quiz.attempts.find((a) => a.attemptId === submission.data.attemptId)!;
        await persist('recordQuizAttempt', quizAttemptRow(state, attempt));
      }
      if (submission.step === 5) await openSchool();
      return progress();
    },
    { validator: (message) => void asUpdateFailure(() => validateSubmission(state, message, now())) },
  );

  setHandler(startQuizAttemptUpdate, (_message) => startQuizAttempt(state, now(), Math.random), {
    validator: (_message) => asUpdateFailure(() => validateQuizStart(state, now(), timings.quizWindowMs)),
  });

  setHandler(backgroundCheckCompletedSignal, (event) => {
    const outcome = applyCheckEvent(state, event, now());
    if (outcome === 'applied' && state.check.status === 'suspended') {
      notify('background_check_suspended', { reportId: state.check.reportId ?? null }, event.eventId);
    }
  });
  // The API refuses a review or re-request the state does not allow; a refusal here is a race and changes nothing.
  setHandler(backgroundCheckReviewedSignal, (message) => void applyReview(state, message, now()));
  setHandler(backgroundCheckRerequestedSignal, (message) => void applyRerequest(state, message, now()));

  await Promise.all([syncProjection(), requestChecks(), watchCheckExpiry(), watchInactivity(), sendNotifications()]);
  await condition(allHandlersFinished);
  return progress();

  /** Step 5 and completion: the school, the coach's teacher account, then the launch timeline as an abandoned child. */
  async function openSchool(): Promise<void> {
    const school = state.school!;
    const { schoolId } = await persist('createCoachSchool', {
      coachId: state.coachId,
      schoolName: school.schoolName,
      address: school.address,
      gradesServed: school.gradesServed,
      sports: school.sports,
    });
    schoolCreated(state, schoolId, now());
    await persist('activateCoach', state.coachId);
    const timelineId = `TSA-TL-${now().slice(0, 10).replaceAll('-', '')}-${randomSuffix()}`;
    try {
      await startChild(COACH_TIMELINE_WORKFLOW_TYPE, {
        workflowId: timelineWorkflowId(timelineId),
        args: [timelineInput(state, timelineId)],
        parentClosePolicy: 'ABANDON',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    completed(state, timelineId, now());
  }

  /** Writes `coach_profiles` (and the current `background_checks` row) after every change; later versions win. */
  async function syncProjection(): Promise<void> {
    let projected = 0;
    let attributes = '';
    for (;;) {
      await condition(() => state.version > projected || isClosed(state));
      if (state.version === projected) return;
      const version = state.version;
      const shown = { status: state.status, step: currentStep(state) };
      if (JSON.stringify(shown) !== attributes) {
        upsertSearchAttributes([
          { key: CoachIdKey, value: state.coachId },
          { key: CoachOnboardingStatusKey, value: shown.status },
          { key: CoachOnboardingStepKey, value: shown.step },
        ]);
        attributes = JSON.stringify(shown);
      }
      await persist('projectCoach', { ...toProjection(state), version: projectionVersion(version) });
      projected = version;
    }
  }

  /** Orders each requested check (step 3, then every re-request by ops) from the provider. */
  async function requestChecks(): Promise<void> {
    for (;;) {
      await condition(() => checkRequestPending(state) || isClosed(state));
      if (isClosed(state)) return;
      const number = state.check.requestNumber;
      const subject = state.check.subject!;
      try {
        const ordered = await requestBackgroundCheck({
          coachId: state.coachId,
          requestNumber: number,
          ...(state.check.candidateId ? { candidateId: state.check.candidateId } : {}),
          email: input.email,
          phone: input.phone,
          legalFirstName: subject.legalFirstName,
          legalLastName: subject.legalLastName,
          birthDate: subject.birthDate,
          ssnLast4: subject.ssnLast4,
        });
        checkRequested(state, number, ordered, now());
      } catch (err) {
        close(state, 'failed', `the background check could not be ordered: ${failureMessage(err)}`, now());
      }
    }
  }

  /** No final report within the limit (14 days) after a request: the check expires, and ops may ask again. */
  async function watchCheckExpiry(): Promise<void> {
    for (;;) {
      await condition(() => checkAwaitingReport(state) || isClosed(state));
      if (isClosed(state)) return;
      const number = state.check.requestNumber;
      const due = Date.parse(state.check.requestedAt!) + timings.backgroundCheckExpiresAfterMs;
      const settled = await condition(
        () => isClosed(state) || !checkAwaitingReport(state) || state.check.requestNumber !== number,
        Math.max(1, due - Date.now()),
      );
      if (!settled) expireCheck(state, Math.round(timings.backgroundCheckExpiresAfterMs / DAY), now());
      else if (!checkAwaitingReport(state)) await condition(() => checkAwaitingReport(state) || isClosed(state));
    }
  }

  /** Reminders after 3 and 7 days without progress, expiry after 30; any progress starts the clock again. */
  async function watchInactivity(): Promise<void> {
    const stages = [
      { kind: 'coach_onboarding_reminder_1', after: timings.firstReminderAfterMs },
      { kind: 'coach_onboarding_reminder_2', after: timings.secondReminderAfterMs },
      { kind: 'expiry', after: timings.expireAfterMs },
    ] as const;
    while (!isClosed(state)) {
      const since = state.progressedAt;
      for (const { kind, after } of stages) {
        const due = Date.parse(since) + after;
        const progressed = await condition(
          () => isClosed(state) || state.progressedAt !== since,
          Math.max(1, due - Date.now()),
        );
        if (progressed) break;
        if (kind === 'expiry') {
          close(state, 'expired', `no progress for ${Math.round(after / DAY)} days`, now());
          break;
        }
        notify(kind, { currentStep: currentStep(state), inactiveSince: since }, since);
      }
    }
  }

  /** Queues what the handlers and timers asked to send; the dedupe key makes a retried write count once. */
  async function sendNotifications(): Promise<void> {
    for (;;) {
      await condition(() => outbox.length > 0 || isClosed(state));
      const message = outbox.shift();
      if (!message) return;
      await persist('queueCoachNotification', message);
    }
  }
}

/** Update rejections cross to the client as ApplicationFailures, whose type the API maps to 400, 409 or 429. */
function asUpdateFailure<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CoachStepRejection) {
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

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
