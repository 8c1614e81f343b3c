import { useEffect, useMemo, type ReactNode } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { signOut, useCoachSignedIn, useStaffToken } from './auth/session';
import { isLocale, LocaleContext, LOCALES, translator, useI18n, type Locale } from './i18n';
import { AuditPage } from './pages/Audit';
import { TimelinePage } from './pages/coach/Timeline';
import { CoachEnrollmentsPage } from './pages/coach/Enrollments';
import { CoachInvitationsPage } from './pages/coach/Invitations';
import { CoachOnboardingPage } from './pages/coach/Onboarding';
import { CoachSignInPage } from './pages/coach/CoachSignIn';
import { JoinPage } from './pages/Join';
import { OpsPage } from './pages/Ops';
import { SignInCallbackPage, SignInPage } from './pages/SignIn';

/** The same page in another language: only the first path segment changes. */
function localePath(path: string, locale: Locale): string {
  return path.replace(/^\/[a-z]{2}(?=\/|$)/, `/${locale}`);
}

function Layout({ children }: { children: ReactNode }) {
  const { locale, t } = useI18n();
  const [path, navigate] = useLocation();
  const search = typeof window === 'undefined' ? '' : window.location.search;
  const staff = useStaffToken() !== null;
  // A coach page with the coach signed in shows the coach's navigation, whose Sign out is the same one: one per page.
  const coachNav = useCoachSignedIn() && /^\/[a-z]{2}\/coach(\/|$)/.test(path);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <Link href={`/${locale}`} className="brand">
          {t('app.title')}
        </Link>
        {staff && !path.includes('/join/') && (
          <nav aria-label="Staff">
            <Link href={`/${locale}/ops`}>{t('nav.ops')}</Link>
            <Link href={`/${locale}/audit`}>{t('nav.audit')}</Link>
            {!coachNav && (
              <button
                type="button"
                className="secondary small"
                onClick={() => {
                  signOut(locale);
                  navigate(`/${locale}/sign-in`);
                }}
              >
                {t('auth.signOut')}
              </button>
            )}
          </nav>
        )}
        <nav aria-label={t('app.language')} className="languages">
          {LOCALES.map((other) => (
            <a
              key={other}
              href={`${localePath(path, other)}${search}`}
              lang={other}
              hrefLang={other}
              aria-current={other === locale ? 'true' : undefined}
            >
              {other === 'en' ? 'English' : 'Español'}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function Home() {
  const { locale, t } = useI18n();
  return (
    <>
      <h1>{t('app.title')}</h1>
      <p>{t('home.intro')}</p>
      <p>
        <Link href={`/${locale}/coach`}>{t('coach.home')}</Link>
      </p>
      <p>
        <Link href={`/${locale}/sign-in`}>{t('home.staff')}</Link>
      </p>
    </>
  );
}

function NotFound() {
  const { locale, t } = useI18n();
  return (
    <>
      <h1>{t('app.notFound')}</h1>
      <p>
        <Link href={`/${locale}`}>{t('app.home')}</Link>
      </p>
    </>
  );
}

/** Every page lives under its language (`/en/…`, `/es/…`), on one layout and one typed API client. */
export function App() {
  const [path] = useLocation();
  const first = path.split('/')[1];
  const locale: Locale = isLocale(first) ? first : 'en';
  const value = useMemo(() => ({ locale, t: translator(locale) }), [locale]);
  if (!isLocale(first)) return <Redirect to={`/en${path === '/' ? '' : path}`} replace />;
  return (
    <LocaleContext.Provider value={value}>
      <Layout>
        <Switch>
          <Route path="/:locale">
            <Home />
          </Route>
          <Route path="/:locale/join/:token">{(params) => <JoinPage invitationToken={params.token} />}</Route>
          <Route path="/:locale/sign-in">
            <SignInPage />
          </Route>
          <Route path="/:locale/sign-in/callback">
            <SignInCallbackPage />
          </Route>
          <Route path="/:locale/ops">
            <OpsPage />
          </Route>
          <Route path="/:locale/audit">
            <AuditPage />
          </Route>
          <Route path="/:locale/coach">
            <CoachSignInPage />
          </Route>
          <Route path="/:locale/coach/sign-in">
            <CoachSignInPage />
          </Route>
          <Route path="/:locale/coach/onboarding">
            <CoachOnboardingPage />
          </Route>
          <Route path="/:locale/coach/invitations">
            <CoachInvitationsPage />
          </Route>
          <Route path="/:locale/coach/enrollments">
            <CoachEnrollmentsPage />
          </Route>
          <Route path="/:locale/coach/timelines/:timelineId">
            {(params) => <TimelinePage timelineId={params.timelineId} />}
          </Route>
          <Route>
            <NotFound />
          </Route>
        </Switch>
      </Layout>
    </LocaleContext.Provider>
  );
}
