import { useEffect, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from '../api/client';
import { finishSignIn, startSignIn, type OidcConfig } from '../auth/oidc';
import {
  dismissSignedOut,
  forgetStaffToken,
  keepSignIn,
  signOut,
  useSignedOut,
  useStaffToken,
  useWho,
  whoIs,
  type Session,
} from '../auth/session';
import { useI18n } from '../i18n';

/** The page a role lands on after signing in. */
const homeOf = (locale: string, role: string | undefined) =>
  `/${locale}/${role === 'auditor' ? 'audit' : role === 'coach' ? 'coach' : 'ops'}`;

/** The deployment's OpenID Connect provider (null when staff paste tokens), once `GET /v1/web/config` answered. */
function useOidcConfig(): OidcConfig | null | undefined {
  const [config, setConfig] = useState<OidcConfig | null>();
  useEffect(() => {
    void api.GET('/v1/web/config').then(({ data }) => setConfig(data?.oidc ?? null));
  }, []);
  return config;
}

/**
 * Staff sign-in. With OpenID Connect configured, "Sign in with <provider>" sends the browser to the provider's login
 * (authorization code with PKCE) and back to `/:locale/sign-in/callback`. A bearer token can always be pasted in as
 * well (`npm run token -- --role ops` in development). The API verifies the token on every request.
 */
export function SignInPage() {
  const { locale, t } = useI18n();
  const [, navigate] = useLocation();
  const config = useOidcConfig();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [redirecting, setRedirecting] = useState(false);
  const signedOut = useSignedOut();
  const session = useWho(useStaffToken())?.session;

  // The API says who a pasted token is (the role may sit anywhere in a provider's token); the page lands there.
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value.split('.').length !== 3) {
      setError(t('signin.invalid'));
      return;
    }
    const who = await whoIs(value).catch(() => undefined);
    if (!who?.session) {
      setError(t(who?.status === 401 || who?.status === 403 ? 'auth.tokenRefused' : 'auth.tokenUnchecked'));
      return;
    }
    keepSignIn(value, who.session);
    navigate(homeOf(locale, who.session.role));
  };

  const signInAtProvider = async (oidc: OidcConfig) => {
    setRedirecting(true);
    setError(undefined);
    try {
      await startSignIn(oidc, locale);
    } catch {
      setRedirecting(false);
      setError(t('auth.unreachable', { provider: oidc.providerName }));
    }
  };

  if (signedOut) {
    return (
      <>
        <h1>{t('auth.signedOutTitle')}</h1>
        <p role="status">{t('auth.signedOut')}</p>
        {signedOut.providerSignOut && config && (
          <>
            <p>
              <a href={signedOut.providerSignOut.href}>
                {t('auth.providerSignOut', { provider: config.providerName })}
              </a>
            </p>
            <p className="hint">{t('auth.providerSignOutNote')}</p>
          </>
        )}
        <p>
          <Link href={`/${locale}/sign-in`} onClick={dismissSignedOut}>
            {t('auth.startAgain')}
          </Link>
        </p>
      </>
    );
  }

  return (
    <>
      <h1>{t('signin.title')}</h1>
      {session && (
        <div className="auth-session">
          <p>{t('auth.signedInAs', { sub: session.sub, role: session.role })}</p>
          <button type="button" className="secondary" onClick={() => signOut(locale)}>
            {t('auth.signOut')}
          </button>
        </div>
      )}
      {config && (
        <section aria-labelledby="provider-sign-in" className="auth-provider">
          <h2 id="provider-sign-in">{t('auth.withProvider', { provider: config.providerName })}</h2>
          <p>{t('auth.providerIntro', { provider: config.providerName })}</p>
          <div className="actions">
            <button type="button" disabled={redirecting} onClick={() => void signInAtProvider(config)}>
              {t('auth.withProvider', { provider: config.providerName })}
            </button>
          </div>
          {redirecting && <p role="status">{t('auth.redirecting', { provider: config.providerName })}</p>}
        </section>
      )}
      {config ? <h2>{t('auth.orPaste')}</h2> : <p>{t('signin.intro')}</p>}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div className={error ? 'field invalid' : 'field'}>
          <label htmlFor="token">{t('signin.token')}</label>
          <textarea
            id="token"
            rows={4}
            value={token}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setToken(e.target.value)}
            {...(error ? { 'aria-invalid': true, 'aria-describedby': 'token-error' } : {})}
          />
          {error && (
            <p id="token-error" className="field-error">
              {error}
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit">{t('signin.submit')}</button>
        </div>
      </form>
    </>
  );
}

/** One exchange per callback address, even when React runs the page's effect twice (development's StrictMode). */
const exchanges = new Map<string, Promise<Session>>();

async function exchange(locale: string, callbackUrl: URL): Promise<Session> {
  const { data: config } = await api.GET('/v1/web/config');
  if (!config?.oidc) throw new Error('OpenID Connect sign-in is not configured');
  const accessToken = await finishSignIn(config.oidc, locale, callbackUrl);
  const who = await whoIs(accessToken);
  if (!who.session) {
    // Refused, this sign-in still replaces the one before it: no earlier staff token stays signed in here.
    forgetStaffToken();
    throw Object.assign(new Error('the API refused the token'), { status: who.status });
  }
  // A coach's pages read the coach's own session; staff pages read the staff token.
  keepSignIn(accessToken, who.session);
  return who.session;
}

/** `/:locale/sign-in/callback`: where the provider sends the browser back with the code (or an error). */
export function SignInCallbackPage() {
  const { locale, t } = useI18n();
  const [, navigate] = useLocation();
  const [failure, setFailure] = useState<'failed' | 'refused'>();

  useEffect(() => {
    const url = new URL(window.location.href);
    let pending = exchanges.get(url.href);
    if (!pending) exchanges.set(url.href, (pending = exchange(locale, url)));
    let current = true;
    pending.then(
      (session) => current && navigate(homeOf(locale, session.role), { replace: true }),
      (err: { status?: number }) => current && setFailure(err.status === 401 ? 'refused' : 'failed'),
    );
    return () => {
      current = false;
    };
  }, [locale, navigate]);

  return (
    <>
      <h1>{t('auth.callbackTitle')}</h1>
      {failure ? (
        <>
          <p role="alert" className="alert">
            {t(failure === 'refused' ? 'auth.refused' : 'auth.failed')}
          </p>
          <p>
            <Link href={`/${locale}/sign-in`}>{t('auth.startAgain')}</Link>
          </p>
        </>
      ) : (
        <p role="status">{t('auth.finishing')}</p>
      )}
    </>
  );
}
