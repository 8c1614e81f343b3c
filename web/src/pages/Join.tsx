import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api, bearer, type ApiError, type Progress } from '../api/client';
import { ErrorSummary } from '../components/Field';
import { StepForm, type StepFormText } from '../components/StepForm';
import {
  buildPayload,
  firstOpenStep,
  loadParentSession,
  reachableStep,
  REQUIRED_DOCUMENTS,
  DOCUMENT_TYPES,
  saveParentSession,
  STEP_FIELDS,
  type FormValues,
  type ParentSession,
} from '../form-state';
import { useI18n, type MessageKey, type Translate } from '../i18n';

const POLL_MS = 1_500;
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const DOCUMENT_CONTENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];

type Submit = (step: number, body: Record<string, unknown>) => Promise<ApiError | undefined>;

async function sha256Hex(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function ProgressBar({ progress, shown }: { progress: Progress; shown: number }) {
  const { t } = useI18n();
  const done = progress.steps.filter((s) => s.status === 'completed').length;
  return (
    <div className="progress">
      <p id="progress-label">{t('join.progress', { step: Math.min(shown, 6) })}</p>
      <progress max={6} value={done} aria-labelledby="progress-label" />
      <ol className="steps" aria-label={t('join.progressLabel')}>
        {progress.steps.map((s) => {
          const state = s.status === 'completed' ? 'completed' : s.step === shown ? 'current' : 'upcoming';
          return (
            <li key={s.step} className={state} aria-current={s.step === shown ? 'step' : undefined}>
              <span>{t(`step.${s.step}` as MessageKey)}</span>
              <span className="sr-only"> ({t(`step.status.${state}` as MessageKey)})</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** The words of the parent's step forms. */
const stepText = (t: Translate): StepFormText => ({
  fixErrors: t('join.fixErrors'),
  back: t('join.back'),
  saving: t('join.saving'),
  next: t('join.next'),
});

function ConsultationStep({
  progress,
  session,
  submit,
  onBack,
}: {
  progress: Progress;
  session: ParentSession;
  submit: Submit;
  onBack: () => void;
}) {
  const { locale, t } = useI18n();
  const [changing, setChanging] = useState(false);
  const status = progress.steps[2]!.status;
  const booked = session.answers[3]?.scheduledAt;
  if (status === 'awaiting_confirmation' && booked && !changing) {
    const time = new Date(booked as string).toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
    return (
      <div>
        <p className="booked">{t('consultation.booked', { time })}</p>
        <p role="status" className="waiting">
          {t('consultation.waiting')}
        </p>
        <div className="actions">
          <button type="button" className="secondary" onClick={onBack}>
            {t('join.back')}
          </button>
          <button type="button" className="secondary" onClick={() => setChanging(true)}>
            {t('consultation.change')}
          </button>
        </div>
      </div>
    );
  }
  return (
    <StepForm
      fields={STEP_FIELDS[3]!}
      text={stepText(t)}
      initial={session.answers[3] ?? {}}
      intro={t('consultation.intro')}
      onBack={onBack}
      onSubmit={async (values) => {
        const error = await submit(3, buildPayload(STEP_FIELDS[3]!, values));
        if (!error) setChanging(false);
        return error;
      }}
    />
  );
}

type Upload =
  { state: 'uploading' } | { state: 'done'; fileName: string; sha256: string } | { state: 'error'; message: string };

function DocumentsStep({
  session,
  submit,
  onSaveDocument,
  onBack,
}: {
  session: ParentSession;
  submit: Submit;
  onSaveDocument: (type: string, document: { fileName: string; sha256: string }) => void;
  onBack: () => void;
}) {
  const { t } = useI18n();
  const [uploads, setUploads] = useState<Record<string, Upload>>(() =>
    Object.fromEntries(Object.entries(session.documents ?? {}).map(([type, d]) => [type, { state: 'done', ...d }])),
  );
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);

  const upload = async (type: string, file: File | undefined) => {
    if (!file) return;
    const fail = (message: string) => setUploads((u) => ({ ...u, [type]: { state: 'error', message } }));
    if (!DOCUMENT_CONTENT_TYPES.includes(file.type)) return fail(t('documents.wrongType'));
    if (file.size > MAX_DOCUMENT_BYTES) return fail(t('documents.tooLarge'));
    setUploads((u) => ({ ...u, [type]: { state: 'uploading' } }));
    const sha256 = await sha256Hex(file);
    const answer = await fetch(`/v1/enrollments/${session.enrollmentId}/documents/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${session.parentToken}`,
        'content-type': file.type,
        'x-content-sha256': sha256,
      },
      body: file,
    }).catch(() => undefined);
    if (!answer?.ok) return fail(t('documents.failed'));
    const done = { fileName: file.name, sha256 };
    setUploads((u) => ({ ...u, [type]: { state: 'done', ...done } }));
    onSaveDocument(type, done);
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const documents = Object.entries(uploads).flatMap(([type, u]) =>
      u.state === 'done' ? [{ type, fileName: u.fileName, sha256: u.sha256 }] : [],
    );
    if (!REQUIRED_DOCUMENTS.every((type) => documents.some((d) => d.type === type))) {
      setError(t('documents.needAll'));
      return;
    }
    setSaving(true);
    const failure = await submit(5, { documents });
    setSaving(false);
    setError(failure?.message);
  };

  return (
    <form onSubmit={onSubmit} noValidate>
      <p>{t('documents.intro')}</p>
      <ErrorSummary message={error} />
      <ul className="checklist">
        {DOCUMENT_TYPES.map((type) => {
          const u = uploads[type];
          const id = `doc-${type}`;
          const statusId = `${id}-status`;
          const required = REQUIRED_DOCUMENTS.includes(type);
          return (
            <li key={type} className={u?.state === 'done' ? 'done' : ''}>
              <label htmlFor={id}>
                {t(`doc.${type}` as MessageKey)}{' '}
                <span className="hint">({t(required ? 'documents.required' : 'documents.optional')})</span>
              </label>
              <input
                id={id}
                type="file"
                accept={DOCUMENT_CONTENT_TYPES.join(',')}
                aria-describedby={statusId}
                aria-invalid={u?.state === 'error' ? true : undefined}
                onChange={(e) => void upload(type, e.target.files?.[0])}
              />
              <p id={statusId} className={u?.state === 'error' ? 'field-error' : 'hint'} aria-live="polite">
                {!u
                  ? t('documents.missing')
                  : u.state === 'uploading'
                    ? t('documents.uploading')
                    : u.state === 'done'
                      ? `✓ ${t('documents.uploaded', { name: u.fileName })}`
                      : u.message}
              </p>
            </li>
          );
        })}
      </ul>
      <div className="actions">
        <button type="button" className="secondary" onClick={onBack}>
          {t('join.back')}
        </button>
        <button type="submit" disabled={saving}>
          {saving ? t('join.saving') : t('join.next')}
        </button>
      </div>
    </form>
  );
}

function PaymentStep({
  progress,
  session,
  invitationToken,
  returning,
  onBack,
}: {
  progress: Progress;
  session: ParentSession;
  invitationToken: string;
  returning: boolean;
  onBack: () => void;
}) {
  const { locale, t } = useI18n();
  const [amountCents, setAmountCents] = useState<number>();
  const [state, setState] = useState<'idle' | 'redirecting' | 'unavailable'>('idle');
  useEffect(() => {
    void api.GET('/v1/web/config').then(({ data }) => setAmountCents(data?.depositAmountCents));
  }, []);
  const status = progress.steps[5]!.status;
  const amount =
    amountCents === undefined
      ? '…'
      : new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' }).format(amountCents / 100);

  const pay = async () => {
    setState('redirecting');
    const { data } = await api.POST('/v1/enrollments/{id}/payments/checkout', {
      params: { path: { id: session.enrollmentId } },
      body: {
        returnPath: `/${locale}/join/${invitationToken}?checkout=done`,
        cancelPath: `/${locale}/join/${invitationToken}?checkout=cancelled`,
      },
      ...bearer(session.parentToken),
    });
    if (!data) return setState('unavailable');
    window.location.assign(data.checkoutUrl);
  };

  const confirming = returning && status === 'awaiting_confirmation';
  return (
    <div>
      <p>{t('payment.intro', { amount })}</p>
      {status === 'rejected' && <ErrorSummary message={t('payment.failed')} />}
      {state === 'unavailable' && <ErrorSummary message={t('payment.unavailable')} />}
      {confirming ? (
        <p role="status" className="waiting">
          {t('payment.confirming')}
        </p>
      ) : (
        <div className="actions">
          <button type="button" className="secondary" onClick={onBack}>
            {t('join.back')}
          </button>
          <button type="button" onClick={() => void pay()} disabled={state === 'redirecting'}>
            {state === 'redirecting' ? t('payment.redirecting') : t('payment.pay')}
          </button>
        </div>
      )}
    </div>
  );
}

function Enrolled({ progress }: { progress: Progress }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="done-title">
      <h2 id="done-title" tabIndex={-1}>
        {t('done.title')}
      </h2>
      <p>{t('done.body')}</p>
      {progress.studentRecords.status === 'failed' && <p className="note">{t('done.followUp')}</p>}
    </section>
  );
}

/**
 * The parent's guided enrollment from the invitation link. The enrollment and its token are kept in this browser's
 * storage under the invitation, so the link (or a reopened tab) resumes at the first step not yet completed. Only
 * completed steps and the first open one can be shown (`?step=N` beyond it shows the open one).
 */
export function JoinPage({ invitationToken }: { invitationToken: string }) {
  const { t } = useI18n();
  const [path, navigate] = useLocation();
  const search = new URLSearchParams(useSearch());
  const [session, setSession] = useState(() => loadParentSession(localStorage, invitationToken));
  const [progress, setProgress] = useState<Progress>();
  const [fatal, setFatal] = useState<MessageKey>();
  const headingRef = useRef<HTMLHeadingElement>(null);

  const keep = useCallback(
    (change: (current: ParentSession | undefined) => ParentSession) =>
      setSession((current) => {
        const next = change(current);
        saveParentSession(localStorage, invitationToken, next);
        return next;
      }),
    [invitationToken],
  );

  // No enrollment in this browser yet: redeem the invitation (a repeat answers the same enrollment).
  useEffect(() => {
    if (session) return;
    void api.POST('/v1/enrollments', { body: { invitationToken } }).then(({ data, response }) => {
      if (data) keep(() => ({ enrollmentId: data.enrollmentId, parentToken: data.parentToken, answers: {} }));
      else
        setFatal(
          response.status === 404
            ? 'join.unknownInvitation'
            : response.status === 410
              ? 'join.expired'
              : 'join.tryAgain',
        );
    });
  }, [session, invitationToken, keep]);

  const refresh = useCallback(async () => {
    if (!session) return;
    const { data, response } = await api.GET('/v1/enrollments/{id}', {
      params: { path: { id: session.enrollmentId } },
      ...bearer(session.parentToken),
    });
    if (data) setProgress(data);
    else if (response.status === 401 || response.status === 403) {
      // A token from an earlier redemption that no longer works: redeem again.
      localStorage.removeItem(`tsa.parent.${invitationToken}`);
      setSession(undefined);
    } else setFatal('join.tryAgain');
  }, [session, invitationToken]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // While a confirmation is awaited (the coach's, the provider's), the page follows the enrollment by itself.
  const waiting = progress?.steps.some((s) => s.status === 'awaiting_confirmation') && progress.status !== 'enrolled';
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, refresh]);

  // Enrolled, the family's answers have no more use in this browser: only the enrollment and its token stay.
  const enrolled = progress?.status === 'enrolled';
  useEffect(() => {
    if (enrolled)
      keep((current) => ({ enrollmentId: current!.enrollmentId, parentToken: current!.parentToken, answers: {} }));
  }, [enrolled, keep]);

  const requested = search.get('step') ? Number(search.get('step')) : undefined;
  const shown = progress ? reachableStep(requested, progress.steps) : undefined;
  // The step the parent waited on was confirmed (the coach, the provider): on to the next open one.
  const awaited = useRef<number>(undefined);
  useEffect(() => {
    if (!progress || shown === undefined) return;
    const status = progress.steps[shown - 1]?.status;
    if (status === 'awaiting_confirmation') awaited.current = shown;
    else if (awaited.current === shown && status === 'completed') {
      awaited.current = undefined;
      navigate(`${path}?step=${firstOpenStep(progress.steps)}`);
    }
  }, [progress, shown, path, navigate]);
  useEffect(() => {
    headingRef.current?.focus();
  }, [shown]);

  if (fatal) {
    return (
      <>
        <h1>{t('join.title')}</h1>
        <ErrorSummary message={t(fatal)} />
      </>
    );
  }
  if (!session || !progress || shown === undefined) return <p role="status">{t('app.loading')}</p>;

  const goTo = (step: number) => navigate(`${path}?step=${step}`);
  const submit: Submit = async (step, body) => {
    const { data, error, response } = await api.PUT('/v1/enrollments/{id}/steps/{step}', {
      params: {
        path: { id: session.enrollmentId, step: String(step) },
        header: { 'idempotency-key': crypto.randomUUID() },
      },
      body,
      ...bearer(session.parentToken),
    });
    if (!data)
      return (error as ApiError | undefined) ?? { error: String(response.status), message: t('join.tryAgain') };
    setProgress(data);
    const next = firstOpenStep(data.steps);
    if (next !== step) goTo(Math.min(next, step + 1));
    return undefined;
  };
  const saveAnswers = (step: number, values: FormValues) =>
    keep((current) => ({ ...current!, answers: { ...current!.answers, [step]: values } }));

  if (progress.status === 'enrolled') {
    return (
      <>
        <h1>{t('join.title')}</h1>
        <Enrolled progress={progress} />
      </>
    );
  }
  if (progress.status === 'cancelled' || progress.status === 'expired') {
    return (
      <>
        <h1>{t('join.title')}</h1>
        <ErrorSummary message={t('join.closed')} />
      </>
    );
  }

  const back = shown > 1 ? () => goTo(shown - 1) : undefined;
  return (
    <>
      <h1>{t('join.title')}</h1>
      <ProgressBar progress={progress} shown={shown} />
      <section aria-labelledby="step-title" className="card">
        <h2 id="step-title" ref={headingRef} tabIndex={-1}>
          {t(`step.${shown}` as MessageKey)}
        </h2>
        {(shown === 1 || shown === 2 || shown === 4) && (
          <StepForm
            key={shown}
            fields={STEP_FIELDS[shown]!}
            text={stepText(t)}
            initial={session.answers[shown] ?? {}}
            onBack={back}
            onSubmit={async (values) => {
              const error = await submit(shown, buildPayload(STEP_FIELDS[shown]!, values));
              if (!error) saveAnswers(shown, values);
              return error;
            }}
          />
        )}
        {shown === 3 && (
          <ConsultationStep
            progress={progress}
            session={session}
            onBack={() => goTo(2)}
            submit={async (step, body) => {
              const error = await submit(step, body);
              if (!error) saveAnswers(3, { scheduledAt: String(body.scheduledAt) });
              return error;
            }}
          />
        )}
        {shown === 5 && (
          <DocumentsStep
            session={session}
            submit={submit}
            onBack={() => goTo(4)}
            onSaveDocument={(type, document) =>
              keep((current) => ({ ...current!, documents: { ...current!.documents, [type]: document } }))
            }
          />
        )}
        {shown === 6 && (
          <PaymentStep
            progress={progress}
            session={session}
            invitationToken={invitationToken}
            returning={search.get('checkout') === 'done'}
            onBack={() => goTo(5)}
          />
        )}
      </section>
    </>
  );
}
