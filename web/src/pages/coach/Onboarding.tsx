import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, bearer, type ApiError, type CoachSession } from '../../api/client';
import { ErrorSummary } from '../../components/Field';
import { StepForm } from '../../components/StepForm';
import {
  checkView,
  coachStepPayload,
  COACH_STEP_FIELDS,
  delayUntil,
  DONE,
  furthestStep,
  openQuizAttempts,
  schoolOpen,
  stepLocked,
  startPolling,
  stepToShow,
  unanswered,
  waitingOnOthers,
  type OpenQuizAttempt,
} from '../../coach-state';
import type { FieldSpec, FormValues } from '../../form-state';
import { useI18n, type MessageKey } from '../../i18n';
import { en as coachText } from '../../messages/coach';
import { CoachShell, type CoachContext, type CoachProgress } from './CoachShell';

type Submit = (step: number, body: Record<string, unknown>) => Promise<ApiError | undefined>;
type QuizAttempt = Omit<OpenQuizAttempt, 'answers'>;
/** This tab's open quiz attempts: a reload resumes the attempt instead of spending another. */
const openAttempts = openQuizAttempts(sessionStorage);

const labelKey = (path: string) => `coach.field.${path}` as MessageKey;
const hintKey = (path: string) => `coach.hint.${path}`;

function useFormatTime() {
  const { locale } = useI18n();
  return (iso: string) => new Date(iso).toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
}

function ProgressSteps({ progress, shown }: { progress: CoachProgress; shown: number }) {
  const { locale, t } = useI18n();
  const done = progress.steps.filter((s) => s.status === 'completed').length;
  const furthest = furthestStep(progress);
  return (
    <div className="progress">
      <p id="progress-label">{t('coach.onboarding.progress', { step: Math.min(shown, 5) })}</p>
      <progress max={5} value={done} aria-labelledby="progress-label" />
      <ol className="steps" aria-label={t('coach.onboarding.progressLabel')}>
        {progress.steps.map((s) => {
          const state =
            s.status === 'completed'
              ? 'completed'
              : s.status === 'awaiting_result'
                ? 'waiting'
                : s.step === shown
                  ? 'current'
                  : 'upcoming';
          const name = t(`coach.step.${s.step}` as MessageKey);
          return (
            <li key={s.step} className={state} aria-current={s.step === shown ? 'step' : undefined}>
              {s.step <= furthest && s.step !== shown ? (
                <Link href={`/${locale}/coach/onboarding?step=${s.step}`}>{name}</Link>
              ) : (
                <span>{name}</span>
              )}
              <span className="sr-only"> ({t(`coach.step.status.${state}` as MessageKey)})</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** A step that is a form: the shared step form with the coach's labels, hints and words. */
function FormStep({
  step,
  fields,
  onSubmit,
  onBack,
  intro,
}: {
  step: number;
  fields: FieldSpec[];
  onSubmit: (values: FormValues) => Promise<ApiError | undefined>;
  onBack?: () => void;
  intro?: string;
}) {
  const { t } = useI18n();
  return (
    <StepForm
      fields={fields}
      idPrefix={`coach-${step}`}
      labelOf={(spec) => t(labelKey(spec.path))}
      hintOf={(spec) => (hintKey(spec.path) in coachText ? t(hintKey(spec.path) as MessageKey) : undefined)}
      text={{
        fixErrors: t('coach.fixErrors'),
        back: t('coach.back'),
        saving: t('coach.saving'),
        next: t('coach.next'),
      }}
      onSubmit={onSubmit}
      onBack={onBack}
      intro={intro}
    />
  );
}

/** Steps 1 and 2: the form, or (saved) a note and the way on; correctable until the background check starts. */
function DetailsStep({
  step,
  progress,
  submit,
  goTo,
}: {
  step: 1 | 2;
  progress: CoachProgress;
  submit: Submit;
  goTo: (step: number) => void;
}) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const saved = progress.steps[step - 1]!.status === 'completed';
  const locked = stepLocked(step, progress);
  const back = step > 1 ? () => goTo(step - 1) : undefined;
  if (saved && !editing) {
    return (
      <div>
        <p>{t(locked ? 'coach.step.locked' : 'coach.step.saved')}</p>
        <div className="actions">
          {back && (
            <button type="button" className="secondary" onClick={back}>
              {t('coach.back')}
            </button>
          )}
          {!locked && (
            <button type="button" className="secondary" onClick={() => setEditing(true)}>
              {t('coach.step.correct')}
            </button>
          )}
          <button type="button" onClick={() => goTo(step + 1)}>
            {t('coach.step.goOn')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <FormStep
      step={step}
      fields={COACH_STEP_FIELDS[step]}
      onBack={back}
      onSubmit={async (values) => {
        const error = await submit(step, coachStepPayload(step, values));
        if (!error) {
          setEditing(false);
          goTo(step + 1);
        }
        return error;
      }}
    />
  );
}

/** The check's status; `focus` moves the focus to it when it appears (the consent just sent, the form gone). */
function CheckStatus({ progress, focus = false }: { progress: CoachProgress; focus?: boolean }) {
  const { t } = useI18n();
  const view = checkView(progress.backgroundCheck);
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  return (
    <p ref={ref} role="status" className={`check-status check-${view}`} tabIndex={-1}>
      {t('coach.check.status', { status: t(`coach.check.${view}` as MessageKey) })}
    </p>
  );
}

/** Step 3: the consent form, then the check's status, followed until the provider (or ops) has decided. */
function BackgroundCheckStep({
  progress,
  submit,
  goTo,
}: {
  progress: CoachProgress;
  submit: Submit;
  goTo: (step: number) => void;
}) {
  const { t } = useI18n();
  const [requested, setRequested] = useState(false);
  if (progress.backgroundCheck.status === 'not_started') {
    return (
      <FormStep
        step={3}
        fields={COACH_STEP_FIELDS[3]}
        intro={t('coach.check.intro')}
        onBack={() => goTo(2)}
        onSubmit={async (values) => {
          // Stay on the check (not on to the quiz) so the coach sees its status.
          const error = await submit(3, coachStepPayload(3, values));
          if (!error) {
            setRequested(true);
            goTo(3);
          }
          return error;
        }}
      />
    );
  }
  const status = progress.backgroundCheck.status;
  const underWay = status === 'pending' || status === 'suspended' || status === 'needs_review';
  return (
    <div>
      <CheckStatus progress={progress} focus={requested} />
      {underWay && !progress.quiz.passed && <p className="hint">{t('coach.check.following')}</p>}
      <div className="actions">
        <button type="button" className="secondary" onClick={() => goTo(2)}>
          {t('coach.back')}
        </button>
        {!progress.quiz.passed && status !== 'failed' && (
          <button type="button" onClick={() => goTo(4)}>
            {t('coach.check.toQuiz')}
          </button>
        )}
        {schoolOpen(progress) && (
          <button type="button" onClick={() => goTo(5)}>
            {t('coach.check.toSchool')}
          </button>
        )}
      </div>
    </div>
  );
}

/** Step 4: an attempt's questions as radio groups; the score, the attempts used, the limit's next allowed time. */
function QuizStep({
  session,
  progress,
  onProgress,
  refresh,
  goTo,
}: {
  session: CoachSession;
  progress: CoachProgress;
  onProgress: (progress: CoachProgress) => void;
  refresh: () => Promise<unknown>;
  goTo: (step: number) => void;
}) {
  const { t } = useI18n();
  const formatTime = useFormatTime();
  const [resumed] = useState(() => (progress.quiz.passed ? undefined : openAttempts.get(session.coachId)));
  const [attempt, setAttempt] = useState<QuizAttempt | undefined>(resumed);
  const [answers, setAnswers] = useState<Record<string, string>>(resumed?.answers ?? {});
  const [missing, setMissing] = useState<string[]>([]);
  const [lastResult, setLastResult] = useState<'passed' | 'failed'>();
  const [limitAt, setLimitAt] = useState<string>();
  /** The refusal's own words, where it named no time (shown rather than nothing). */
  const [limitMessage, setLimitMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const { quiz } = progress;
  const nextAllowed = quiz.nextAttemptAt ?? limitAt;

  // The open attempt and every answer chosen are kept for this tab; a submitted (or passed) quiz drops them.
  useEffect(() => {
    if (attempt && !quiz.passed) openAttempts.set(session.coachId, { ...attempt, answers });
    else openAttempts.clear(session.coachId);
  }, [attempt, answers, quiz.passed, session.coachId]);

  const start = async () => {
    setBusy(true);
    setError(undefined);
    const {
      data,
      error: failure,
      response,
    } = await api.POST('/v1/coaches/{id}/onboarding/quiz/attempts', {
      params: { path: { id: session.coachId } },
      ...bearer(session.token),
    });
    setBusy(false);
    if (data) {
      setAttempt(data);
      setAnswers({});
      setMissing([]);
      setLastResult(undefined);
      return;
    }
    const e = failure as (ApiError & { nextAttemptAt?: string }) | undefined;
    if (response.status === 429) {
      setLimitAt(e?.nextAttemptAt);
      setLimitMessage(e?.nextAttemptAt ? undefined : (e?.message ?? t('coach.tryAgain')));
      // The page's progress was older than the refusal (attempts made elsewhere): the count shown catches up.
      void refresh();
    } else setError(e?.message ?? t('coach.tryAgain'));
  };

  // Once the next attempt is allowed, the progress is read again: it then offers the attempt.
  useEffect(() => {
    if (!nextAllowed) return;
    const timer = setTimeout(
      () => {
        setLimitAt(undefined);
        void refresh();
      },
      delayUntil(nextAllowed, Date.now()),
    );
    return () => clearTimeout(timer);
  }, [nextAllowed, refresh]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!attempt) return;
    const open = unanswered(
      attempt.questions.map((q) => q.questionId),
      answers,
    );
    setMissing(open);
    if (open.length > 0) return;
    setBusy(true);
    const {
      data,
      error: failure,
      response,
    } = await api.PUT('/v1/coaches/{id}/onboarding/steps/{step}', {
      params: {
        path: { id: session.coachId, step: 4 },
        header: { 'idempotency-key': `quiz-${attempt.attemptId}` },
      },
      body: {
        attemptId: attempt.attemptId,
        answers: attempt.questions.map((q) => ({ questionId: q.questionId, choiceId: answers[q.questionId]! })),
      },
      ...bearer(session.token),
    });
    setBusy(false);
    if (!data) {
      const e = failure as ApiError | undefined;
      setError(e?.message ?? t('coach.tryAgain'));
      // Submitted in another tab, replaced by a newer attempt, or unknown: this one can no longer be sent.
      if (response.status === 409 || e?.issues?.some((i) => i.path === 'attemptId')) {
        setAttempt(undefined);
        void refresh();
      }
      return;
    }
    onProgress(data);
    setAttempt(undefined);
    setLastResult(data.quiz.passed ? 'passed' : 'failed');
  };
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [missing]);
  // The answers sent, the form is gone: the focus goes to the result.
  const resultRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (lastResult) resultRef.current?.focus();
  }, [lastResult]);

  if (quiz.passed) {
    return (
      <div>
        <p ref={resultRef} role="status" className="ok-text" tabIndex={-1}>
          {t('coach.quiz.passed', { score: quiz.bestScore ?? 100 })}
        </p>
        <p>{t('coach.quiz.attempts', { count: quiz.attempts })}</p>
        <div className="actions">
          <button type="button" onClick={() => goTo(schoolOpen(progress) ? 5 : 3)}>
            {t('coach.step.goOn')}
          </button>
        </div>
      </div>
    );
  }
  if (attempt) {
    return (
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorSummary message={missing.length ? t('coach.quiz.answerAll') : error} />
        {attempt.questions.map((q, index) => {
          const id = `quiz-${q.questionId}`;
          const invalid = missing.includes(q.questionId);
          return (
            <fieldset
              key={q.questionId}
              className={invalid ? 'field question invalid' : 'field question'}
              {...(invalid ? { 'aria-describedby': `${id}-error` } : {})}
            >
              <legend>{t('coach.quiz.question', { number: index + 1, text: q.text })}</legend>
              <div className="choices single">
                {q.choices.map((c) => (
                  <label key={c.choiceId} htmlFor={`${id}-${c.choiceId}`} className="choice">
                    <input
                      id={`${id}-${c.choiceId}`}
                      type="radio"
                      name={id}
                      value={c.choiceId}
                      checked={answers[q.questionId] === c.choiceId}
                      {...(invalid ? { 'aria-invalid': true as const } : {})}
                      onChange={() => setAnswers((a) => ({ ...a, [q.questionId]: c.choiceId }))}
                    />
                    {c.text}
                  </label>
                ))}
              </div>
              {invalid && (
                <p id={`${id}-error`} className="field-error">
                  {t('coach.quiz.chooseOne')}
                </p>
              )}
            </fieldset>
          );
        })}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('coach.saving') : t('coach.quiz.submit')}
          </button>
        </div>
      </form>
    );
  }
  return (
    <div>
      <p>{t('coach.quiz.intro')}</p>
      {lastResult === 'failed' && (
        <p ref={resultRef} role="status" className="error-text" tabIndex={-1}>
          {t('coach.quiz.failed', { score: quiz.bestScore ?? 0 })}
        </p>
      )}
      <p>{t('coach.quiz.attempts', { count: quiz.attempts })}</p>
      <ErrorSummary message={error} />
      {nextAllowed || limitMessage ? (
        <div role="alert" className="alert">
          {nextAllowed ? t('coach.quiz.limit', { time: formatTime(nextAllowed) }) : limitMessage}
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => goTo(3)}>
            {t('coach.back')}
          </button>
          <button type="button" onClick={() => void start()} disabled={busy}>
            {busy ? t('coach.quiz.starting') : t(quiz.attempts > 0 ? 'coach.quiz.tryAgain' : 'coach.quiz.start')}
          </button>
        </div>
      )}
    </div>
  );
}

/** Step 5: the school, once the quiz and the background check are passed; then the school being set up. */
function SchoolStep({
  progress,
  submit,
  goTo,
}: {
  progress: CoachProgress;
  submit: Submit;
  goTo: (step?: number) => void;
}) {
  const { t } = useI18n();
  if (progress.schoolId !== undefined) return <p role="status">{t('coach.done.finishing')}</p>;
  if (!schoolOpen(progress)) {
    return (
      <div>
        <p>{t('coach.school.waitCheck')}</p>
        <CheckStatus progress={progress} />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => goTo(progress.quiz.passed ? 3 : 4)}>
            {t('coach.back')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <FormStep
      step={5}
      fields={COACH_STEP_FIELDS[5]}
      onBack={() => goTo(4)}
      onSubmit={async (values) => {
        const error = await submit(5, coachStepPayload(5, values));
        if (!error) goTo();
        return error;
      }}
    />
  );
}

function Done({ progress }: { progress: CoachProgress }) {
  const { locale, t } = useI18n();
  return (
    <section aria-labelledby="done-title" className="card">
      <h2 id="done-title" tabIndex={-1}>
        {t('coach.done.title')}
      </h2>
      <p>{t('coach.done.body', { schoolId: progress.schoolId ?? '' })}</p>
      <ul className="links">
        <li>
          <Link href={`/${locale}/coach/invitations`}>{t('coach.done.invite')}</Link>
        </li>
        {progress.timelineId && (
          <li>
            <Link href={`/${locale}/coach/timelines/${progress.timelineId}`}>{t('coach.done.timeline')}</Link>
          </li>
        )}
      </ul>
    </section>
  );
}

function Wizard({ session, progress, refresh, setProgress }: CoachContext) {
  const { t } = useI18n();
  const [path, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const requested = search.get('step') ? Number(search.get('step')) : undefined;
  const shown = stepToShow(requested, progress);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // While the provider (or ops) has the background check, or the school is being set up, the page follows by itself:
  // backing off to a minute, quiet while the tab is hidden, starting over when what it waits on changes.
  const waiting = waitingOnOthers(progress);
  const awaited = `${progress.backgroundCheck.status}:${progress.schoolId ?? ''}`;
  useEffect(() => {
    if (!waiting) return;
    return startPolling(refresh, { visibility: document });
  }, [waiting, awaited, refresh]);
  useEffect(() => {
    headingRef.current?.focus();
  }, [shown]);

  if (progress.status === 'failed' || progress.status === 'expired') {
    return (
      <ErrorSummary
        message={
          progress.status === 'failed'
            ? t('coach.closed.failed', { reason: progress.failureReason ?? '' })
            : t('coach.closed.expired')
        }
      />
    );
  }
  if (shown === DONE) return <Done progress={progress} />;

  const goTo = (step?: number) => navigate(step === undefined ? path : `${path}?step=${step}`);
  const submit: Submit = async (step, body) => {
    const { data, error, response } = await api.PUT('/v1/coaches/{id}/onboarding/steps/{step}', {
      params: {
        path: { id: session.coachId, step },
        header: { 'idempotency-key': crypto.randomUUID() },
      },
      body,
      ...bearer(session.token),
    });
    if (!data)
      return (error as ApiError | undefined) ?? { error: String(response.status), message: t('coach.tryAgain') };
    setProgress(data);
    return undefined;
  };

  return (
    <>
      <ProgressSteps progress={progress} shown={shown} />
      <section aria-labelledby="step-title" className="card">
        <h2 id="step-title" ref={headingRef} tabIndex={-1}>
          {t(`coach.step.${shown}` as MessageKey)}
        </h2>
        {(shown === 1 || shown === 2) && (
          <DetailsStep key={shown} step={shown} progress={progress} submit={submit} goTo={goTo} />
        )}
        {shown === 3 && <BackgroundCheckStep progress={progress} submit={submit} goTo={goTo} />}
        {shown === 4 && (
          <QuizStep session={session} progress={progress} onProgress={setProgress} refresh={refresh} goTo={goTo} />
        )}
        {shown === 5 && <SchoolStep progress={progress} submit={submit} goTo={goTo} />}
      </section>
    </>
  );
}

/**
 * The coach's onboarding wizard: the five steps with a progress indicator, each saved through the API, the API's
 * field errors at their fields. Only steps up to the first open one can be shown (`?step=N` beyond it shows that
 * one); without `?step` the wizard resumes where the coach is.
 */
export function CoachOnboardingPage() {
  const { t } = useI18n();
  return (
    <CoachShell page="onboarding" title={t('coach.onboarding.title')}>
      {(context) => <Wizard {...context} />}
    </CoachShell>
  );
}
