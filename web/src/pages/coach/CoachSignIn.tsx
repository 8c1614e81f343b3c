import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { api, coachSession, type ApiError } from '../../api/client';
import { ErrorSummary, Field } from '../../components/Field';
import { useFieldErrors } from '../../components/StepForm';
import { coachIdFromToken, SIGN_UP_FIELDS } from '../../coach-state';
import { buildPayload, type FormValues } from '../../form-state';
import { useI18n, type MessageKey } from '../../i18n';
import { CoachNav } from './CoachShell';

/** Sign-up: `POST /v1/coaches`; the answer's token is the coach's session in this browser. */
function SignUpForm({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useI18n();
  const [values, setValues] = useState<FormValues>({});
  const [existing, setExisting] = useState<string>();
  const [saving, setSaving] = useState(false);
  const { errors, show, summary, formRef } = useFieldErrors(SIGN_UP_FIELDS);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setExisting(undefined);
    const { data, error } = await api.POST('/v1/coaches', {
      body: buildPayload(SIGN_UP_FIELDS, values) as {
        firstName: string;
        lastName: string;
        email: string;
        phone: string;
      },
    });
    setSaving(false);
    if (data?.coachToken) {
      coachSession.set({ coachId: data.coachId, token: data.coachToken });
      return onSignedIn();
    }
    if (data) {
      // The e-mail is known: the API gives no token to whoever merely types it.
      show(undefined);
      return setExisting(data.coachId);
    }
    show((error as ApiError | undefined) ?? { error: 'unknown', message: t('coach.tryAgain') });
  };

  return (
    <section aria-labelledby="sign-up-title" className="card">
      <h2 id="sign-up-title">{t('coach.signUp.title')}</h2>
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorSummary message={summary(t('coach.fixErrors'))} />
        {SIGN_UP_FIELDS.map((spec) => (
          <Field
            key={spec.path}
            idPrefix="signup"
            spec={spec}
            label={t(`coach.field.${spec.path}` as MessageKey)}
            value={values[spec.path]}
            error={errors[spec.path]}
            onChange={(value) => setValues((v) => ({ ...v, [spec.path]: value }))}
          />
        ))}
        {existing && (
          <div role="alert" className="note">
            {t('coach.signUp.existing', { coachId: existing })}
          </div>
        )}
        <div className="actions">
          <button type="submit" disabled={saving}>
            {saving ? t('coach.saving') : t('coach.signUp.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A coach token pasted in (from the browser the coach signed up in): its claims name the coach. */
function TokenForm({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const coachId = coachIdFromToken(token);
    if (!coachId) return setError(t('coach.token.invalid'));
    coachSession.set({ coachId, token: token.trim() });
    onSignedIn();
  };
  return (
    <section aria-labelledby="token-title" className="card">
      <h2 id="token-title">{t('coach.token.title')}</h2>
      <form onSubmit={submit} noValidate>
        <div className={error ? 'field invalid' : 'field'}>
          <label htmlFor="coach-token">{t('coach.token.label')}</label>
          <textarea
            id="coach-token"
            rows={4}
            value={token}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setToken(e.target.value)}
            {...(error ? { 'aria-invalid': true, 'aria-describedby': 'coach-token-error' } : {})}
          />
          {error && (
            <p id="coach-token-error" className="field-error">
              {error}
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit">{t('coach.token.submit')}</button>
        </div>
      </form>
    </section>
  );
}

/**
 * The coach's way in (`/:locale/coach`): sign up, or paste the token from the browser signed up in. Signed in, the
 * page names the coach, shows the token to take to another browser, and offers to go on or to sign out.
 */
export function CoachSignInPage() {
  const { locale, t } = useI18n();
  const [, navigate] = useLocation();
  const [session, setSession] = useState(() => coachSession.get());
  const onSignedIn = () => navigate(`/${locale}/coach/onboarding`);

  if (session) {
    return (
      <>
        <CoachNav onSignOut={() => setSession(null)} />
        <h1>{t('coach.signIn.title')}</h1>
        <p>{t('coach.signedIn', { coachId: session.coachId })}</p>
        <p>
          <Link href={`/${locale}/coach/onboarding`}>{t('coach.continue')}</Link>
        </p>
        <details className="card">
          <summary>{t('coach.showToken')}</summary>
          <p className="hint" id="own-token-note">
            {t('coach.tokenNote')}
          </p>
          <label htmlFor="own-token" className="sr-only">
            {t('coach.token.label')}
          </label>
          <textarea id="own-token" rows={4} readOnly value={session.token} aria-describedby="own-token-note" />
        </details>
      </>
    );
  }
  return (
    <>
      <h1>{t('coach.signIn.title')}</h1>
      <p>{t('coach.signIn.intro')}</p>
      <SignUpForm onSignedIn={onSignedIn} />
      <TokenForm onSignedIn={onSignedIn} />
    </>
  );
}
