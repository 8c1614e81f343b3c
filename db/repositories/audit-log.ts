import type { Kysely, Transaction } from 'kysely';
import type { AuditLogEntry, Database, JsonObject } from '../schema';

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

/** Appends one row; the table refuses updates and deletes, so this is the only way in. */
export async function appendAuditRecord(db: Db, record: AuditRecord): Promise<AuditLogEntry> {
  return db
    .insertInto('audit_log')
    .values({
      actor: record.actor,
      role: record.role,
      action: record.action,
      target: record.target,
      request_id: record.requestId,
      outcome: record.outcome,
      details: JSON.stringify(record.details ?? {}),
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
