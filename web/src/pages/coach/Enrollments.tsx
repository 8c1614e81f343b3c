import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, bearer, type Answer, type ApiError, type CoachSession } from '../../api/client';
import { backoffDelay, pollUntil } from '../../coach-state';
import { ErrorSummary } from '../../components/Field';
import { useI18n, type MessageKey } from '../../i18n';
import { CoachShell, type CoachContext } from './CoachShell';

type Page = Answer<'/v1/coaches/{id}/enrollments', 'get'>;
type Item = Page['items'][number];
const PAGE_SIZE = 20;
/** After a confirmation, the looks at the enrollment until it moves on: 0.25 s doubling to 4 s, about 20 s in all. */
const FOLLOW_DELAYS = Array.from({ length: 8 }, (_, n) => backoffDelay(n, 250, 4_000));
/** A confirmation sent: then followed until the enrollment (and the list, from its projection) shows the next step. */
type Confirmed = { id: string; stage: 'following' | 'moved' | 'slow' };

/** An enrollment at step 3 waits on the coach only when the family has booked the time (the step's own status). */
async function awaitingConsultation(session: CoachSession, items: Item[]): Promise<Set<string>> {
  const atStep3 = items.filter((i) => i.status === 'in_progress' && i.currentStep === 3);
  const answers = await Promise.all(
    atStep3.map((i) =>
      api.GET('/v1/enrollments/{id}', { params: { path: { id: i.enrollmentId } }, ...bearer(session.token) }),
    ),
  );
  return new Set(
    answers.flatMap(({ data }) =>
      data?.steps.some((s) => s.step === 3 && s.status === 'awaiting_confirmation') ? [data.enrollmentId] : [],
    ),
  );
}

function ConfirmConsultation({
  item,
  session,
  onConfirmed,
}: {
  item: Item;
  session: CoachSession;
  onConfirmed: () => void;
}) {
  const { t } = useI18n();
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const id = `notes-${item.enrollmentId}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    const { error: failure, response } = await api.POST('/v1/enrollments/{id}/consultation', {
      params: { path: { id: item.enrollmentId } },
      body: { completed: true, ...(notes.trim() ? { notes } : {}) },
      ...bearer(session.token),
    });
    setSaving(false);
    if (response.status === 202) return onConfirmed();
    const e = failure as ApiError | undefined;
    setError(e?.issues?.[0]?.message ?? e?.message ?? t('coach.tryAgain'));
  };
  return (
    <form onSubmit={submit} noValidate aria-label={`${t('coach.enrollments.confirm')}: ${item.enrollmentId}`}>
      <p className="waiting">{t('coach.enrollments.waiting')}</p>
      <div className={error ? 'field invalid' : 'field'}>
        <label htmlFor={id}>{t('coach.enrollments.notes')}</label>
        <textarea
          id={id}
          rows={2}
          value={notes}
          onChange={(e) => setNotes(e.target.value)}
          {...(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {})}
        />
        {error && (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </div>
      <div className="actions">
        <button type="submit" disabled={saving}>
          {saving ? t('coach.saving') : t('coach.enrollments.confirm')}
        </button>
      </div>
    </form>
  );
}

function Enrollments({ session }: CoachContext) {
  const { locale, t } = useI18n();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page>();
  const [waiting, setWaiting] = useState<Set<string>>(new Set());
  const [confirmed, setConfirmed] = useState<Confirmed>();
  const [error, setError] = useState<string>();
  const statusRef = useRef<HTMLParagraphElement>(null);
  const following = useRef<AbortController>(undefined);
  const cursor = cursors.at(-1);
  const formatDate = (iso: string) => new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });

  const fetchPage = useCallback(
    () =>
      api
        .GET('/v1/coaches/{id}/enrollments', {
          params: { path: { id: session.coachId }, query: { limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) } },
          ...bearer(session.token),
        })
        .then(({ data }) => data)
        .catch(() => undefined),
    [session, cursor],
  );
  const show = useCallback(
    async (data: Page) => {
      setPage(data);
      setWaiting(await awaitingConsultation(session, data.items));
    },
    [session],
  );
  const load = useCallback(async () => {
    const data = await fetchPage();
    if (!data) return setError(t('coach.tryAgain'));
    await show(data);
  }, [fetchPage, show, t]);
  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => () => following.current?.abort(), []);
  // The confirmation's form is gone: the focus goes to what happened (and stays there while it is followed).
  useEffect(() => {
    if (confirmed) statusRef.current?.focus();
  }, [confirmed?.id]);

  /**
   * The API accepted the confirmation (202); the enrollment moves on a moment later. Its progress is looked at a few
   * times until its step moves, then the list is read again until it shows that too (the list is a projection).
   */
  const follow = async (item: Item) => {
    following.current?.abort();
    const controller = (following.current = new AbortController());
    setConfirmed({ id: item.enrollmentId, stage: 'following' });
    setWaiting((w) => new Set([...w].filter((id) => id !== item.enrollmentId)));
    let moved = false;
    const done = await pollUntil(
      async () => {
        if (!moved) {
          const { data } = await api.GET('/v1/enrollments/{id}', {
            params: { path: { id: item.enrollmentId } },
            ...bearer(session.token),
          });
          moved = data !== undefined && data.currentStep !== item.currentStep;
          if (!moved) return false;
        }
        const data = await fetchPage();
        if (!data || controller.signal.aborted) return false;
        await show(data);
        return data.items.find((i) => i.enrollmentId === item.enrollmentId)?.currentStep !== item.currentStep;
      },
      FOLLOW_DELAYS,
      { signal: controller.signal },
    );
    if (!controller.signal.aborted) setConfirmed({ id: item.enrollmentId, stage: done ? 'moved' : 'slow' });
  };

  if (error) return <ErrorSummary message={error} />;
  if (!page) return <p role="status">{t('app.loading')}</p>;
  return (
    <>
      <p>{t('coach.enrollments.intro')}</p>
      <p ref={statusRef} role="status" className="ok-text" tabIndex={-1}>
        {confirmed ? t(`coach.enrollments.confirmed.${confirmed.stage}`, { id: confirmed.id }) : ''}
      </p>
      {page.items.length === 0 ? (
        <p>{t('coach.enrollments.none')}</p>
      ) : (
        <ul className="cards">
          {page.items.map((item) => (
            <li key={item.enrollmentId} className="card enrollment">
              <h2>{item.enrollmentId}</h2>
              <dl className="facts">
                <dt>{t('coach.enrollments.status')}</dt>
                <dd>{t(`coach.enrollment.${item.status}` as MessageKey)}</dd>
                <dt>{t('coach.enrollments.step')}</dt>
                <dd>
                  {t('coach.enrollments.stepOf', {
                    step: item.currentStep,
                    name: t(`step.${item.currentStep}` as MessageKey),
                  })}
                </dd>
                <dt>{t('coach.enrollments.school')}</dt>
                <dd>{item.schoolId}</dd>
                <dt>{t('coach.enrollments.started')}</dt>
                <dd>{formatDate(item.createdAt)}</dd>
                <dt>{t('coach.enrollments.updated')}</dt>
                <dd>{formatDate(item.updatedAt)}</dd>
              </dl>
              {waiting.has(item.enrollmentId) && (
                <ConfirmConsultation item={item} session={session} onConfirmed={() => void follow(item)} />
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="pager">
        {cursors.length > 1 ? (
          <button type="button" className="secondary" onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t('coach.enrollments.previous')}
          </button>
        ) : (
          <span />
        )}
        {page.nextCursor && (
          <button type="button" className="secondary" onClick={() => setCursors((c) => [...c, page.nextCursor])}>
            {t('coach.enrollments.next')}
          </button>
        )}
      </div>
    </>
  );
}

/**
 * The enrollments of the coach's invitations (`GET /v1/coaches/:id/enrollments`), each with its step and status;
 * where a family has booked its consultation, "Confirm consultation" completes step 3.
 */
export function CoachEnrollmentsPage() {
  const { t } = useI18n();
  return (
    <CoachShell page="enrollments" title={t('coach.enrollments.title')}>
      {(context) => <Enrollments {...context} />}
    </CoachShell>
  );
}
