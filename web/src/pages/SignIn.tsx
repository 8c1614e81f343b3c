import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { roleOf, staffToken } from '../api/client';
import { useI18n } from '../i18n';

/**
 * Staff sign-in: a bearer token pasted in (`npm run token -- --role ops` in development; with OpenID Connect
 * configured, a token from the identity provider). The API verifies it on every request.
 */
export function SignInPage() {
  const { locale, t } = useI18n();
  const [, navigate] = useLocation();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value.split('.').length !== 3) {
      setError(t('signin.invalid'));
      return;
    }
    staffToken.set(value);
    navigate(`/${locale}/${roleOf(value) === 'auditor' ? 'audit' : 'ops'}`);
  };

  return (
    <>
      <h1>{t('signin.title')}</h1>
      <p>{t('signin.intro')}</p>
      <form onSubmit={submit} noValidate>
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
