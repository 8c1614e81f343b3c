import type { Kysely, Transaction } from 'kysely';
import { storableText } from '../../domain/safe-text';
import type { AuditLogEntry, Database, JsonObject, JsonValue } from '../schema';

type Db = Kysely<Database> | Transaction<Database>;

export interface AuditRecord {
  actor: string;
  role: string;
  /** The route pattern, e.g. `PUT /v1/enrollments/:id/steps/:step`. */
  action: string;
  target: string | null;
  requestId: string;
  /** The HTTP status the request was answered with. */
  outcome: string;
  /** Never personal data: step numbers, error codes, options. */
  details?: JsonObject;
}

/**
 * The record as PostgreSQL accepts it: whatever a request carried is kept, with NUL and lone surrogates escaped
 * (`storableText`), and `details.escaped` lists the fields that were rewritten so a reader knows to unescape them.
 */
export function storableAuditRecord(record: AuditRecord): AuditRecord {
  const escaped: string[] = [];
  const text = (value: string, field: string) => {
    const stored = storableText(value);
    if (stored.escaped) escaped.push(field);
    return stored.text;
  };
  const json = (value: JsonValue, field: string): JsonValue => {
    if (typeof value === 'string') return text(value, field);
    if (Array.isArray(value)) return value.map((v, i) => json(v, `${field}.${i}`));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [text(k, `${field}.${k}`), json(v, `${field}.${k}`)]),
      );
    }
    return value;
  };
  const stored: AuditRecord = {
    actor: text(record.actor, 'actor'),
    role: text(record.role, 'role'),
    action: text(record.action, 'action'),
    target: record.target === null ? null : text(record.target, 'target'),
    requestId: text(record.requestId, 'requestId'),
    outcome: text(record.outcome, 'outcome'),
    details: json(record.details ?? {}, 'details') as JsonObject,
  };
  return escaped.length > 0 ? { ...stored, details: { ...stored.details, escaped } } : stored;
}

/** Appends one row; the table refuses updates and deletes, so this is the only way in. */
export async function appendAuditRecord(db: Db, record: AuditRecord): Promise<AuditLogEntry> {
  const row = storableAuditRecord(record);
  return db
    .insertInto('audit_log')
    .values({
      actor: row.actor,
      role: row.role,
      action: row.action,
      target: row.target,
      request_id: row.requestId,
      outcome: row.outcome,
      details: JSON.stringify(row.details ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface AuditLogFilter {
  actor?: string;
  action?: string;
  target?: string;
  from?: Date;
  to?: Date;
  /** Rows older than this id (the previous page's cursor). */
  beforeId?: number;
  limit: number;
}

export interface AuditLogPage {
  entries: AuditLogEntry[];
  /** Pass as `beforeId` for the next page; absent on the last page. */
  nextBeforeId?: number;
}

/**
 * Newest first, keyset-paginated on the identity column: it only grows, so rows written meanwhile never shift a page.
 */
export async function listAuditRecords(db: Db, filter: AuditLogFilter): Promise<AuditLogPage> {
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .$if(filter.actor !== undefined, (qb) => qb.where('actor', '=', filter.actor!))
    .$if(filter.action !== undefined, (qb) => qb.where('action', '=', filter.action!))
    .$if(filter.target !== undefined, (qb) => qb.where('target', '=', filter.target!))
    .$if(filter.from !== undefined, (qb) => qb.where('occurred_at', '>=', filter.from!))
    .$if(filter.to !== undefined, (qb) => qb.where('occurred_at', '<', filter.to!))
    .$if(filter.beforeId !== undefined, (qb) => qb.where('id', '<', filter.beforeId!))
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const entries = rows.slice(0, filter.limit);
  return rows.length > filter.limit ? { entries, nextBeforeId: entries.at(-1)!.id } : { entries };
}
