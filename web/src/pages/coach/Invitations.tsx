import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, bearer, type Answer, type ApiError, type CoachSession } from '../../api/client';
import { ErrorSummary, Field } from '../../components/Field';
import { useFieldErrors } from '../../components/StepForm';
import {
  countByStatus,
  INVITATION_STATUSES,
  invitationLink,
  invitationPayload,
  type InvitationStatus,
} from '../../coach-state';
import { SPORTS, type FieldSpec, type FormValues } from '../../form-state';
import { useI18n, type MessageKey } from '../../i18n';
import { CoachShell, type CoachContext } from './CoachShell';

type Invitation = Answer<'/v1/coaches/{id}/invitations', 'get'>['invitations'][number];
type Created = { invitationId: string; invitationToken: string; expiresAt: string; parentEmail: string };

function useFormatDate() {
  const { locale } = useI18n();
  return (iso: string) => new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The new invitation's link: selectable text, and a "Copy link" button that says whether it copied. */
function CreatedLink({ created }: { created: Created }) {
  const { locale, t } = useI18n();
  const formatDate = useFormatDate();
  const [copy, setCopy] = useState<'copied' | 'failed'>();
  const inputRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  const link = invitationLink(window.location.origin, locale, created.invitationToken);
  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopy('copied');
    } catch {
      inputRef.current?.select();
      setCopy('failed');
    }
  };
  return (
    <section aria-labelledby="created-title" className="card created">
      <h2 id="created-title" ref={headingRef} tabIndex={-1}>
        {t('coach.invitations.created', { email: created.parentEmail })}
      </h2>
      <div className="field">
        <label htmlFor="invitation-link">{t('coach.invitations.link')}</label>
        <input
          id="invitation-link"
          ref={inputRef}
          type="text"
          readOnly
          value={link}
          onFocus={(e) => e.target.select()}
          aria-describedby="invitation-expiry"
        />
        <p id="invitation-expiry" className="hint">
          {t('coach.invitations.expiresAt', { time: formatDate(created.expiresAt) })}
        </p>
      </div>
      <div className="actions">
        <button type="button" onClick={() => void copyLink()}>
          {t('coach.invitations.copy')}
        </button>
        <p role="status" className={copy === 'failed' ? 'error-text' : 'ok-text'}>
          {copy === 'copied'
            ? t('coach.invitations.copied')
            : copy === 'failed'
              ? t('coach.invitations.copyFailed')
              : ''}
        </p>
      </div>
    </section>
  );
}

function CreateForm({
  session,
  schoolIds,
  onCreated,
}: {
  session: CoachSession;
  schoolIds: number[];
  onCreated: (created: Created) => void;
}) {
  const { t } = useI18n();
  const fields: FieldSpec[] = [
    { path: 'parentEmail', kind: 'email' },
    { path: 'schoolId', kind: 'select', options: schoolIds.map(String) },
    { path: 'sport', kind: 'select', options: SPORTS, optional: true },
    { path: 'expiresInDays', kind: 'text' },
  ];
  const initial = { schoolId: schoolIds.length === 1 ? String(schoolIds[0]) : '', expiresInDays: '14' };
  const [values, setValues] = useState<FormValues>(initial);
  const [saving, setSaving] = useState(false);
  const { errors, show, summary, formRef } = useFieldErrors(fields);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    const body = invitationPayload(values);
    const { data, error } = await api.POST('/v1/invitations', {
      params: { header: { 'idempotency-key': crypto.randomUUID() } },
      body: body as { parentEmail: string },
      ...bearer(session.token),
    });
    setSaving(false);
    if (data) {
      show(undefined);
      setValues(initial);
      return onCreated({ ...data, parentEmail: String(body.parentEmail) });
    }
    show((error as ApiError | undefined) ?? { error: 'unknown', message: t('coach.tryAgain') });
  };

  return (
    <section aria-labelledby="create-title" className="card">
      <h2 id="create-title">{t('coach.invitations.create')}</h2>
      <form ref={formRef} onSubmit={submit} noValidate>
        <ErrorSummary message={summary(t('coach.fixErrors'))} />
        {fields.map((spec) =>
          spec.path === 'schoolId' ? (
            <SchoolSelect
              key={spec.path}
              schoolIds={schoolIds}
              value={String(values.schoolId ?? '')}
              error={errors.schoolId}
              onChange={(value) => setValues((v) => ({ ...v, schoolId: value }))}
            />
          ) : (
            <Field
              key={spec.path}
              idPrefix="invite"
              spec={spec}
              label={t(`coach.field.${spec.path}` as MessageKey)}
              value={values[spec.path]}
              error={errors[spec.path]}
              onChange={(value) => setValues((v) => ({ ...v, [spec.path]: value }))}
            />
          ),
        )}
        <div className="actions">
          <button type="submit" disabled={saving}>
            {saving ? t('coach.saving') : t('coach.invitations.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** One of the coach's schools, shown as "School 1234" rather than the bare id. */
function SchoolSelect({
  schoolIds,
  value,
  error,
  onChange,
}: {
  schoolIds: number[];
  value: string;
  error?: string;
  onChange: (value: string) => void;
}) {
  const { t } = useI18n();
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor="invite-schoolId">{t('coach.field.schoolId')}</label>
      <select
        id="invite-schoolId"
        value={value}
        required
        onChange={(e) => onChange(e.target.value)}
        {...(error ? { 'aria-invalid': true, 'aria-describedby': 'invite-schoolId-error' } : {})}
      >
        {schoolIds.length !== 1 && <option value="">{t('option.choose')}</option>}
        {schoolIds.map((id) => (
          <option key={id} value={String(id)}>
            {t('coach.invitations.school', { schoolId: id })}
          </option>
        ))}
      </select>
      {error && (
        <p id="invite-schoolId-error" className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function InvitationList({ invitations }: { invitations: Invitation[] }) {
  const { t } = useI18n();
  const formatDate = useFormatDate();
  const [filter, setFilter] = useState<InvitationStatus | 'all'>('all');
  const counts = countByStatus(invitations);
  const shown = filter === 'all' ? invitations : invitations.filter((i) => i.status === filter);
  return (
    <section aria-labelledby="list-title">
      <h2 id="list-title">{t('coach.invitations.list')}</h2>
      <div className="field filter">
        <label htmlFor="invitation-filter">{t('coach.invitations.filter')}</label>
        <select
          id="invitation-filter"
          value={filter}
          onChange={(e) => setFilter(e.target.value as InvitationStatus | 'all')}
        >
          <option value="all">{t('coach.invitations.all', { count: invitations.length })}</option>
          {INVITATION_STATUSES.map((status) => (
            <option key={status} value={status}>
              {`${t(`coach.invitation.${status}` as MessageKey)} (${counts[status]})`}
            </option>
          ))}
        </select>
      </div>
      {shown.length === 0 ? (
        <p>{t('coach.invitations.none')}</p>
      ) : (
        <ul className="cards">
          {shown.map((i) => (
            <li key={i.invitationId} className={`card invitation ${i.status}`}>
              <h3>{i.parentEmail}</h3>
              <dl className="facts">
                <dt>{t('coach.invitations.status')}</dt>
                <dd className="invitation-status">{t(`coach.invitation.${i.status}` as MessageKey)}</dd>
                {i.sport && (
                  <>
                    <dt>{t('coach.invitations.sport')}</dt>
                    <dd>{i.sport}</dd>
                  </>
                )}
                <dt>{t('coach.invitations.expires')}</dt>
                <dd>{formatDate(i.expiresAt)}</dd>
                {i.enrollmentId && (
                  <>
                    <dt>{t('coach.invitations.enrollment')}</dt>
                    <dd>{i.enrollmentId}</dd>
                  </>
                )}
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Invitations({ session, progress }: CoachContext) {
  const { locale, t } = useI18n();
  const [invitations, setInvitations] = useState<Invitation[]>();
  const [created, setCreated] = useState<Created>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    const { data } = await api.GET('/v1/coaches/{id}/invitations', {
      params: { path: { id: session.coachId } },
      ...bearer(session.token),
    });
    if (data) setInvitations(data.invitations);
    else setError(t('coach.tryAgain'));
  }, [session, t]);
  useEffect(() => {
    void load();
  }, [load]);

  if (progress.status !== 'completed' || progress.schoolId === undefined) {
    return (
      <p>
        {t('coach.invitations.notReady')} <Link href={`/${locale}/coach/onboarding`}>{t('coach.continue')}</Link>
      </p>
    );
  }
  return (
    <>
      {created && <CreatedLink key={created.invitationId} created={created} />}
      <CreateForm
        session={session}
        schoolIds={[progress.schoolId]}
        onCreated={(c) => {
          setCreated(c);
          void load();
        }}
      />
      <ErrorSummary message={error} />
      {invitations ? <InvitationList invitations={invitations} /> : <p role="status">{t('app.loading')}</p>}
    </>
  );
}

/** The coach's invitations: create one (and copy the family's link), and the list by status. */
export function CoachInvitationsPage() {
  const { t } = useI18n();
  return (
    <CoachShell page="invitations" title={t('coach.invitations.title')}>
      {(context) => <Invitations {...context} />}
    </CoachShell>
  );
}
