import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, bearer, staffToken, type Answer, type ApiError } from '../api/client';
import { ErrorSummary, Field } from '../components/Field';
import { useFieldErrors } from '../components/StepForm';
import { buildPayload, STUDENT_FIELDS, type FormValues } from '../form-state';
import { useI18n } from '../i18n';
import { StaffGate } from './StaffGate';

type ListAnswer = Answer<'/v1/ops/enrollments', 'get'>;
type Item = ListAnswer['items'][number];
type Filters = { studentRecords: string; status: string; coachId: string; schoolId: string };

const RECORD_STATUSES = ['failed', 'creating', 'created', 'not_started'];
const ENROLLMENT_STATUSES = ['in_progress', 'registered', 'enrolled', 'cancelled', 'expired'];
const PAGE_SIZE = 20;

function Corrections({ item, token, onDone }: { item: Item; token: string; onDone: (message: string) => void }) {
  const { t } = useI18n();
  const [values, setValues] = useState<FormValues>({});
  const { errors, show, formRef } = useFieldErrors(STUDENT_FIELDS, 'corrections.');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const corrections = buildPayload(STUDENT_FIELDS, values, { onlyFilled: true });
    const { error } = await api.POST('/v1/ops/enrollments/{id}/student-records/retry', {
      params: { path: { id: item.enrollmentId } },
      body: Object.keys(corrections).length ? { corrections } : {},
      ...bearer(token),
    });
    if (!error) return onDone(t('ops.retrySent', { id: item.enrollmentId }));
    show(error as ApiError);
  };
  const prefix = `c-${item.enrollmentId}`;
  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={`${t('ops.retry')}: ${item.enrollmentId}`}>
      <p>{t('ops.corrections')}</p>
      <ErrorSummary message={errors['']} />
      {STUDENT_FIELDS.map((spec) => (
        <Field
          key={spec.path}
          idPrefix={prefix}
          allOptional
          spec={spec}
          value={values[spec.path]}
          error={errors[spec.path]}
          onChange={(value) => setValues((v) => ({ ...v, [spec.path]: value }))}
        />
      ))}
      <div className="actions">
        <button type="submit">{t('ops.retryNow')}</button>
      </div>
    </form>
  );
}

function Reset({ item, token, onDone }: { item: Item; token: string; onDone: (message: string) => void }) {
  const { t } = useI18n();
  const [to, setTo] = useState<'last-workflow-task' | 'first-workflow-task'>('last-workflow-task');
  const [reason, setReason] = useState('');
  const [reapply, setReapply] = useState(true);
  const [error, setError] = useState<string>();
  const id = `r-${item.enrollmentId}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { data, error } = await api.POST('/v1/ops/workflows/{workflowId}/reset', {
      params: { path: { workflowId: item.enrollmentId } },
      body: { to, reason, reapplySignals: reapply },
      ...bearer(token),
    });
    if (data) onDone(t('ops.resetDone', { runId: (data as { runId: string }).runId }));
    else setError((error as ApiError).issues?.[0]?.message ?? (error as ApiError).message);
  };
  return (
    <form onSubmit={submit} noValidate aria-label={`${t('ops.reset')}: ${item.enrollmentId}`}>
      <div className="field">
        <label htmlFor={`${id}-to`}>{t('ops.resetTo')}</label>
        <select id={`${id}-to`} value={to} onChange={(e) => setTo(e.target.value as typeof to)}>
          <option value="last-workflow-task">last-workflow-task</option>
          <option value="first-workflow-task">first-workflow-task</option>
        </select>
      </div>
      <div className={error ? 'field invalid' : 'field'}>
        <label htmlFor={`${id}-reason`}>{t('ops.reason')}</label>
        <input
          id={`${id}-reason`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          {...(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {})}
        />
        {error && (
          <p id={`${id}-error`} className="field-error">
            {error}
          </p>
        )}
      </div>
      <label className="choice" htmlFor={`${id}-reapply`}>
        <input id={`${id}-reapply`} type="checkbox" checked={reapply} onChange={(e) => setReapply(e.target.checked)} />
        {t('ops.reapply')}
      </label>
      <div className="actions">
        <button type="submit">{t('ops.reset')}</button>
      </div>
    </form>
  );
}

function Row({
  item,
  token,
  temporalLink,
  onChanged,
}: {
  item: Item;
  token: string;
  temporalLink?: string;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState<'retry' | 'reset'>();
  const replay = async () => {
    const { data, error } = await api.POST('/v1/ops/workflows/{workflowId}/replay', {
      params: { path: { workflowId: item.enrollmentId }, query: {} },
      ...bearer(token),
    });
    if (data) onChanged(data.deterministic ? t('ops.replayOk') : t('ops.replayBad', { error: data.error ?? '' }));
    else onChanged((error as ApiError).message);
  };
  const toggle = (which: 'retry' | 'reset') => setOpen(open === which ? undefined : which);
  return (
    <li className="card">
      <h2>{item.enrollmentId}</h2>
      <dl className="facts">
        <dt>{t('ops.status')}</dt>
        <dd>{item.status}</dd>
        <dt>{t('ops.step')}</dt>
        <dd>{item.currentStep}</dd>
        <dt>{t('ops.studentRecords')}</dt>
        <dd>{item.studentRecords.status}</dd>
        <dt>{t('ops.attempts')}</dt>
        <dd>{item.studentRecords.attempts}</dd>
        {item.studentRecords.error && (
          <>
            <dt>{t('ops.error')}</dt>
            <dd className="error-text">{item.studentRecords.error}</dd>
          </>
        )}
      </dl>
      <div className="actions">
        <button type="button" aria-expanded={open === 'retry'} onClick={() => toggle('retry')}>
          {t('ops.retry')}
        </button>
        <button type="button" className="secondary" aria-expanded={open === 'reset'} onClick={() => toggle('reset')}>
          {t('ops.reset')}
        </button>
        <button type="button" className="secondary" onClick={() => void replay()}>
          {t('ops.replay')}
        </button>
        {temporalLink && (
          <a href={temporalLink} target="_blank" rel="noreferrer">
            {t('ops.temporal')}
          </a>
        )}
      </div>
      {open === 'retry' && <Corrections item={item} token={token} onDone={(m) => (setOpen(undefined), onChanged(m))} />}
      {open === 'reset' && <Reset item={item} token={token} onDone={(m) => (setOpen(undefined), onChanged(m))} />}
    </li>
  );
}

/** The ops console: enrollments from the projection (failed student records first of all), and their repairs. */
export function OpsPage() {
  const { t } = useI18n();
  const token = staffToken.get();
  const [filters, setFilters] = useState<Filters>({ studentRecords: 'failed', status: '', coachId: '', schoolId: '' });
  const [applied, setApplied] = useState(filters);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<ListAnswer>();
  const [status, setStatus] = useState<number>();
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const [ui, setUi] = useState<{ url: string | null; namespace: string }>();

  const cursor = cursors.at(-1);
  const load = useCallback(async () => {
    if (!token) return;
    const query = {
      limit: String(PAGE_SIZE),
      ...(applied.studentRecords ? { studentRecords: applied.studentRecords as 'failed' } : {}),
      ...(applied.status ? { status: applied.status as 'in_progress' } : {}),
      ...(applied.coachId ? { coachId: applied.coachId } : {}),
      ...(applied.schoolId ? { schoolId: applied.schoolId } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const { data, error, response } = await api.GET('/v1/ops/enrollments', { params: { query }, ...bearer(token) });
    setStatus(response.status);
    if (data) {
      setPage(data);
      setError(undefined);
    } else setError((error as ApiError | undefined)?.message);
  }, [token, applied, cursor]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    void api
      .GET('/v1/web/config')
      .then(({ data }) => data && setUi({ url: data.temporalUiUrl, namespace: data.namespace }));
  }, []);

  const changed = (text: string) => {
    setMessage(text);
    void load();
  };
  const batchRetry = async () => {
    if (!token) return;
    const filter = {
      ...(applied.status ? { status: applied.status as 'in_progress' } : {}),
      ...(applied.coachId ? { coachId: applied.coachId } : {}),
      ...(applied.schoolId ? { schoolId: Number(applied.schoolId) } : {}),
    };
    const { data, error } = await api.POST('/v1/ops/enrollments/student-records/retry', {
      body: { filter },
      ...bearer(token),
    });
    changed(
      data
        ? t('ops.batchDone', { count: data.results.filter((r) => r.outcome === 'retried').length })
        : (error as ApiError).message,
    );
  };
  const filterField = (name: keyof Filters, label: string, options?: string[]) => (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      {options ? (
        <select
          id={`filter-${name}`}
          value={filters[name]}
          onChange={(e) => setFilters({ ...filters, [name]: e.target.value })}
        >
          <option value="">{t('staff.any')}</option>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={`filter-${name}`}
          value={filters[name]}
          onChange={(e) => setFilters({ ...filters, [name]: e.target.value })}
        />
      )}
    </div>
  );

  return (
    <>
      <h1>{t('ops.title')}</h1>
      <StaffGate status={status}>
        {(staff) => (
          <>
            <form
              className="filters"
              onSubmit={(e) => {
                e.preventDefault();
                setApplied({ ...filters });
                setCursors([undefined]);
              }}
            >
              {filterField('studentRecords', t('ops.studentRecords'), RECORD_STATUSES)}
              {filterField('status', t('ops.status'), ENROLLMENT_STATUSES)}
              {filterField('coachId', t('ops.coachId'))}
              {filterField('schoolId', t('ops.schoolId'))}
              <div className="actions">
                <button type="submit">{t('staff.filter')}</button>
                <button type="button" className="secondary" onClick={() => void batchRetry()}>
                  {t('ops.batchRetry')}
                </button>
              </div>
            </form>
            <p role="status" className="status-line">
              {message}
            </p>
            <ErrorSummary message={error} />
            {page && page.items.length === 0 && <p>{t('staff.none')}</p>}
            <ul className="cards">
              {page?.items.map((item) => (
                <Row
                  key={item.enrollmentId}
                  item={item}
                  token={staff}
                  onChanged={changed}
                  {...(ui?.url
                    ? {
                        temporalLink: `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(item.enrollmentId)}`,
                      }
                    : {})}
                />
              ))}
            </ul>
            <nav className="pager" aria-label="Pages">
              <button
                type="button"
                className="secondary"
                disabled={cursors.length < 2}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                {t('staff.previous')}
              </button>
              <button
                type="button"
                className="secondary"
                disabled={!page?.nextCursor}
                onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}
              >
                {t('staff.next')}
              </button>
            </nav>
          </>
        )}
      </StaffGate>
    </>
  );
}
