import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { api, bearer, coachSession, type Answer, type CoachSession } from '../../api/client';
import { signOut } from '../../auth/session';
import { startPolling } from '../../coach-state';
import { ErrorSummary } from '../../components/Field';
import { useI18n, type MessageKey } from '../../i18n';

export type CoachProgress = Answer<'/v1/coaches/{id}/onboarding', 'get'>;
export type CoachPage = 'onboarding' | 'invitations' | 'enrollments';

export interface CoachContext {
  session: CoachSession;
  progress: CoachProgress;
  /** Reads the onboarding progress again (after a change, or while something else is awaited). */
  refresh: () => Promise<void>;
  /** The API's latest answer, where a page got one itself (a saved step answers the new progress). */
  setProgress: (progress: CoachProgress) => void;
}

/** The coach's own navigation: the pages, the launch timeline once it exists, and signing out. */
export function CoachNav({
  current,
  timelineId,
  onSignOut,
}: {
  current?: CoachPage | 'timeline';
  timelineId?: string;
  onSignOut?: () => void;
}) {
  const { locale, t } = useI18n();
  const [, navigate] = useLocation();
  const pages: CoachPage[] = ['onboarding', 'invitations', 'enrollments'];
  return (
    <nav aria-label={t('coach.nav.label')} className="coach-nav">
      <ul>
        {pages.map((page) => (
          <li key={page}>
            <Link href={`/${locale}/coach/${page}`} aria-current={page === current ? 'page' : undefined}>
              {t(`coach.nav.${page}` as MessageKey)}
            </Link>
          </li>
        ))}
        {timelineId && (
          <li>
            <Link
              href={`/${locale}/coach/timelines/${timelineId}`}
              aria-current={current === 'timeline' ? 'page' : undefined}
            >
              {t('coach.nav.timeline')}
            </Link>
          </li>
        )}
        <li>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              // Every credential this browser holds for the app goes; after a sign-in at the provider, the sign-in
              // page offers to end the provider's session too.
              const { providerSignOut } = signOut(locale);
              onSignOut?.();
              navigate(`/${locale}/${providerSignOut ? 'sign-in' : 'coach'}`);
            }}
          >
            {t('coach.nav.signOut')}
          </button>
        </li>
      </ul>
    </nav>
  );
}

/**
 * Every coach page but sign-in: the coach's session from this browser, its onboarding progress (which names the
 * school and the timeline), the navigation and the page's heading. Without a session, or with a token the API
 * refuses, the page says so and links to sign-in. Once the page is shown, a refresh that fails for a moment (the
 * network, a 5xx) keeps it, says quietly that it is retrying, and retries with a backoff.
 */
export function CoachShell({
  page,
  title,
  children,
}: {
  page: CoachPage;
  title: string;
  children: (context: CoachContext) => ReactNode;
}) {
  const { locale, t } = useI18n();
  const [session] = useState(() => coachSession.get());
  const [progress, setProgress] = useState<CoachProgress>();
  const [failure, setFailure] = useState<MessageKey>();
  /** A refresh failed for a moment: the page shown stays, a retry is under way. */
  const [stale, setStale] = useState(false);
  const shown = useRef(false);

  const refresh = useCallback(async () => {
    if (!session) return;
    const answer = await api
      .GET('/v1/coaches/{id}/onboarding', { params: { path: { id: session.coachId } }, ...bearer(session.token) })
      .catch(() => undefined);
    if (answer?.data) {
      shown.current = true;
      setProgress(answer.data);
      setFailure(undefined);
      setStale(false);
      return;
    }
    const status = answer?.response.status;
    const lasting =
      status === 401
        ? 'coach.sessionExpired'
        : status === 403
          ? 'coach.forbidden'
          : status === 404
            ? 'coach.unknownCoach'
            : undefined;
    if (lasting || !shown.current) setFailure(lasting ?? 'coach.tryAgain');
    else setStale(true);
  }, [session]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    if (!stale) return;
    return startPolling(refresh, { visibility: document });
  }, [stale, refresh]);

  if (!session) {
    return (
      <>
        <h1>{title}</h1>
        <p>
          {t('coach.needSignIn')} <Link href={`/${locale}/coach`}>{t('coach.signInLink')}</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <CoachNav current={page} timelineId={progress?.timelineId} />
      <h1>{title}</h1>
      {stale && !failure && (
        <p role="status" className="hint">
          {t('coach.refreshFailed')}
        </p>
      )}
      {failure ? (
        <ErrorSummary message={t(failure)} />
      ) : progress ? (
        children({ session, progress, refresh, setProgress })
      ) : (
        <p role="status">{t('app.loading')}</p>
      )}
    </>
  );
}
