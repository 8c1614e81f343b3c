import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useSearch } from 'wouter';
import { api, bearer, type Answer, type ApiError } from '../api/client';
import { ErrorSummary } from '../components/Field';
import { useI18n } from '../i18n';
import { StaffGate } from './StaffGate';

type LogPage = Answer<'/v1/audit/log', 'get'>;
type History = Answer<'/v1/audit/workflows/{workflowId}/history', 'get'>;
type LogFilters = { actor: string; action: string; target: string };

const PAGE_SIZE = 25;

function AuditLog({ token, reloadKey, onStatus }: { token: string; reloadKey: number; onStatus: (s: number) => void }) {
  const { locale, t } = useI18n();
  const [filters, setFilters] = useState<LogFilters>({ actor: '', action: '', target: '' });
  const [applied, setApplied] = useState(filters);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<LogPage>();
  const [error, setError] = useState<string>();
  const cursor = cursors.at(-1);

  const load = useCallback(async () => {
    const query = {
      limit: String(PAGE_SIZE),
      ...(applied.actor ? { actor: applied.actor } : {}),
      ...(applied.action ? { action: applied.action } : {}),
      ...(applied.target ? { target: applied.target } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const { data, error, response } = await api.GET('/v1/audit/log', { params: { query }, ...bearer(token) });
    onStatus(response.status);
    if (data) setPage(data);
    setError(data ? undefined : (error as ApiError | undefined)?.message);
  }, [token, applied, cursor, onStatus]);

  useEffect(() => {
    void load();
  }, [load, reloadKey]);

  const input = (name: keyof LogFilters, label: string) => (
    <div className="field">
      <label htmlFor={`log-${name}`}>{label}</label>
      <input
        id={`log-${name}`}
        value={filters[name]}
        onChange={(e) => setFilters({ ...filters, [name]: e.target.value })}
      />
    </div>
  );
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">{t('audit.title')}</h2>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...filters });
          setCursors([undefined]);
        }}
      >
        {input('actor', t('audit.actor'))}
        {input('action', t('audit.action'))}
        {input('target', t('audit.target'))}
        <div className="actions">
          <button type="submit">{t('staff.filter')}</button>
        </div>
      </form>
      <ErrorSummary message={error} />
      {page && page.entries.length === 0 && <p>{t('staff.none')}</p>}
      <div className="table-wrap" role="region" aria-labelledby="log-title" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('audit.when')}</th>
              <th scope="col">{t('audit.actor')}</th>
              <th scope="col">{t('audit.action')}</th>
              <th scope="col">{t('audit.target')}</th>
              <th scope="col">{t('audit.outcome')}</th>
              <th scope="col">{t('audit.details')}</th>
            </tr>
          </thead>
          <tbody>
            {page?.entries.map((entry) => (
              <tr key={entry.id}>
                <td>{new Date(entry.occurredAt).toLocaleString(locale)}</td>
                <td>
                  {entry.actor} <span className="hint">({entry.role})</span>
                </td>
                <td>{entry.action}</td>
                <td>{entry.target}</td>
                <td>{entry.outcome}</td>
                <td>
                  <code>{JSON.stringify(entry.details)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Audit log pages">
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
    </section>
  );
}

function HistoryViewer({ token, onRevealed }: { token: string; onRevealed: () => void }) {
  const { locale, t } = useI18n();
  const initial = new URLSearchParams(useSearch()).get('workflowId') ?? '';
  const [workflowId, setWorkflowId] = useState(initial);
  const [history, setHistory] = useState<History>();
  const [error, setError] = useState<string>();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string>();

  const fetchHistory = async (reveal?: string) => {
    const { data, error } = await api.GET('/v1/audit/workflows/{workflowId}/history', {
      params: {
        path: { workflowId: workflowId.trim() },
        query: reveal ? { reveal: 'true', reason: reveal, limit: '200' } : { limit: '200' },
      },
      ...bearer(token),
    });
    setHistory(data);
    setError(data ? undefined : (error as ApiError | undefined)?.message);
    return data;
  };
  const show = async (event: FormEvent) => {
    event.preventDefault();
    setAsking(false);
    await fetchHistory();
  };
  const reveal = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) return setReasonError(t('audit.revealReason'));
    setReasonError(undefined);
    if (await fetchHistory(reason.trim())) {
      setAsking(false);
      onRevealed();
    }
  };

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">{t('audit.history')}</h2>
      <form onSubmit={show} className="filters">
        <div className="field">
          <label htmlFor="history-id">{t('audit.workflowId')}</label>
          <input id="history-id" value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} />
        </div>
        <div className="actions">
          <button type="submit">{t('audit.show')}</button>
        </div>
      </form>
      <ErrorSummary message={error} />
      {history && (
        <>
          <p role="status" className={history.revealed ? 'note' : 'hint'}>
            {history.revealed ? t('audit.revealed') : t('audit.masked')}
          </p>
          {!history.revealed && !asking && (
            <button type="button" onClick={() => setAsking(true)}>
              {t('audit.reveal')}
            </button>
          )}
          {asking && (
            <form onSubmit={reveal} noValidate className="card">
              <div className={reasonError ? 'field invalid' : 'field'}>
                <label htmlFor="reveal-reason">{t('audit.revealReason')}</label>
                <textarea
                  id="reveal-reason"
                  rows={2}
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  aria-describedby={reasonError ? 'reveal-note reveal-error' : 'reveal-note'}
                  {...(reasonError ? { 'aria-invalid': true } : {})}
                />
                <p id="reveal-note" className="hint">
                  {t('audit.revealNote')}
                </p>
                {reasonError && (
                  <p id="reveal-error" className="field-error">
                    {reasonError}
                  </p>
                )}
              </div>
              <div className="actions">
                <button type="button" className="secondary" onClick={() => setAsking(false)}>
                  {t('ops.cancel')}
                </button>
                <button type="submit">{t('audit.revealConfirm')}</button>
              </div>
            </form>
          )}
          <ol className="events">
            {history.events.map((event) => (
              <li key={`${event.runId}-${event.eventId}`}>
                <p>
                  <strong>
                    {event.eventId}. {event.type}
                  </strong>{' '}
                  <span className="hint">{new Date(event.time).toLocaleString(locale)}</span>
                </p>
                <p>{event.summary}</p>
                {event.actor && (
                  <p className="hint">
                    {t('audit.who')}: {event.actor.role} {event.actor.id}
                  </p>
                )}
                {event.payload !== undefined && <pre>{JSON.stringify(event.payload, null, 2)}</pre>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** The auditor's page: the API's audit log and a workflow's decoded history, masked unless revealed with a reason. */
export function AuditPage() {
  const { t } = useI18n();
  const [status, setStatus] = useState<number>();
  const [reloadKey, setReloadKey] = useState(0);
  return (
    <>
      <h1>{t('nav.audit')}</h1>
      <StaffGate status={status}>
        {(staff) => (
          <>
            <HistoryViewer token={staff} onRevealed={() => setReloadKey((k) => k + 1)} />
            <AuditLog token={staff} reloadKey={reloadKey} onStatus={setStatus} />
          </>
        )}
      </StaffGate>
    </>
  );
}
