import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditRecord, type AuditRecord } from '../../db/repositories/audit-log';
import type { Database, JsonObject, JsonValue } from '../../db/schema';

/** What a route knows better than the request itself: who the caller is, what it acted on, and safe details. */
export interface AuditContext {
  actor?: string;
  role?: string;
  target?: string | null;
  details?: JsonObject;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who calls this route when it needs no token (a webhook's sender). */
    auditActor?: { actor: string; role: string };
    /** `false` for POST routes that change nothing (the codec endpoints). */
    audit?: boolean;
  }
  interface FastifyRequest {
    /** Filled in by routes as they learn who and what; merged into this request's audit row. */
    auditContext: AuditContext;
    /**
     * Writes this request's audit row now, in the caller's transaction where there is one, so the change and its
     * row commit (or roll back) together; the response hooks then leave it alone. Throws when the row cannot be written.
     */
    audit(db: Kysely<Database> | Transaction<Database>, entry: AuditContext & { outcome: number }): Promise<void>;
  }
}

interface AuditState {
  /** The outcome the route recorded in its own transaction. */
  recordedOutcome?: string;
  /** The response hooks have written (or deliberately skipped) this request's row. */
  final?: boolean;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const TARGET_PARAMS = ['id', 'workflowId'] as const;
/** Request body fields that are never personal data and help read a row; everything else stays out of the log. */
const SAFE_BODY_FIELDS = [
  'to',
  'reapplySignals',
  'completed',
  'documentTypes',
  'status',
  'amountCents',
  'expiresInDays',
  'schoolId',
  'sport',
] as const;

const states = new WeakMap<FastifyRequest, AuditState>();

function isSafeValue(value: unknown): value is JsonValue {
  if (typeof value === 'number' || typeof value === 'boolean') return true;
  if (typeof value === 'string') return value.length <= 100;
  return Array.isArray(value) && value.length <= 20 && value.every((v) => typeof v === 'string' && v.length <= 100);
}

function auditedRoute(request: FastifyRequest): string | undefined {
  if (!MUTATING.has(request.method) || request.routeOptions.config.audit === false) return undefined;
  // Requests that matched no route change nothing.
  return request.routeOptions.url;
}

function describeRequest(request: FastifyRequest, route: string, outcome: string, errorCode?: string): AuditRecord {
  const context = request.auditContext ?? {};
  const caller = request.routeOptions.config.auditActor;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;

  const fromParams = TARGET_PARAMS.map((k) => params[k]).find((v) => typeof v === 'string');
  const fromBody = typeof body.enrollmentId === 'string' && body.enrollmentId.length <= 100 ? body.enrollmentId : null;
  const details: JsonObject = {};
  for (const [key, value] of Object.entries(params)) {
    if (!(TARGET_PARAMS as readonly string[]).includes(key) && isSafeValue(value)) {
      details[key] = /^\d+$/.test(String(value)) ? Number(value) : (value as JsonValue);
    }
  }
  for (const key of SAFE_BODY_FIELDS) {
    if (isSafeValue(body[key])) details[key] = body[key] as JsonValue;
  }
  if (errorCode) details.error = errorCode;

  return {
    actor: context.actor ?? request.user?.sub ?? caller?.actor ?? 'anonymous',
    role: context.role ?? request.user?.role ?? caller?.role ?? 'anonymous',
    action: `${request.method} ${route}`,
    target: context.target !== undefined ? context.target : ((fromParams ?? fromBody) as string | null),
    requestId: String(request.id),
    outcome,
    details: { ...details, ...context.details },
  };
}

function errorCodeOf(reply: FastifyReply, payload: unknown): string | undefined {
  if (reply.statusCode < 400 || typeof payload !== 'string') return undefined;
  try {
    const error = (JSON.parse(payload) as { error?: unknown }).error;
    return typeof error === 'string' ? error.slice(0, 100) : undefined;
  } catch {
    return undefined;
  }
}

const RETRY_DELAYS_MS = [1_000, 5_000, 15_000];
const MAX_WAIT_MS = 2_000;

/**
 * The audit row of every mutating request (POST, PUT, PATCH, DELETE) the API answers: who (token subject, or the
 * route's unauthenticated caller), which action (route pattern), on what (enrollment or workflow id), the request
 * id and the status answered. Reads write nothing. Routes that change the database write their row in that
 * transaction with `request.audit(trx, …)`; for every other request the row is written before the response leaves
 * (onSend, waiting up to two seconds for a slow database), so a caller that has its answer finds it in the log. A row
 * that cannot be written is logged as an error with its content and retried in the background, never dropped silently.
 */
export default fp(
  async (app) => {
    const { db } = app.services;

    app.decorateRequest('auditContext', null as unknown as AuditContext);
    app.decorateRequest(
      'audit',
      async function (
        this: FastifyRequest,
        trx: Kysely<Database> | Transaction<Database>,
        entry: AuditContext & { outcome: number },
      ) {
        const { outcome, ...context } = entry;
        this.auditContext = { ...this.auditContext, ...context };
        const record = describeRequest(this, this.routeOptions.url ?? this.url, String(outcome));
        await appendAuditRecord(trx, record);
        states.set(this, { recordedOutcome: record.outcome });
      },
    );

    app.addHook('onRequest', async (request) => {
      request.auditContext = {};
    });

    const retryInBackground = async (request: FastifyRequest, record: AuditRecord): Promise<void> => {
      for (const delay of RETRY_DELAYS_MS) {
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        try {
          await appendAuditRecord(db, record);
          request.log.warn({ audit: record }, 'audit row written after retrying');
          return;
        } catch (err) {
          request.log.error({ err, audit: record }, 'AUDIT LOG WRITE FAILED again');
        }
      }
      request.log.fatal({ audit: record }, 'AUDIT ROW LOST: not stored after retries; recover it from this log line');
    };

    const persist = (request: FastifyRequest, record: AuditRecord): Promise<unknown> => {
      const attempt = appendAuditRecord(db, record).catch((err: unknown) => {
        request.log.error({ err, audit: record }, 'AUDIT LOG WRITE FAILED, retrying in the background');
        void retryInBackground(request, record);
      });
      // The row is normally stored before the answer leaves, but a stalled database must not hold the answer back.
      return Promise.race([attempt, new Promise((resolve) => setTimeout(resolve, MAX_WAIT_MS).unref())]);
    };

    const write = async (request: FastifyRequest, reply: FastifyReply, payload?: unknown): Promise<void> => {
      const route = auditedRoute(request);
      if (!route) return;
      const state = states.get(request) ?? {};
      const outcome = String(reply.statusCode);
      // A row written in the route's transaction stands when the answer is what it recorded; otherwise (the
      // transaction rolled back, or the request failed after it committed) the final outcome gets its own row.
      if (state.final || state.recordedOutcome === outcome) return;
      const record = describeRequest(request, route, outcome, errorCodeOf(reply, payload));
      if (state.recordedOutcome) record.details = { ...record.details, recordedOutcome: state.recordedOutcome };
      states.set(request, { ...state, final: true });
      await persist(request, record);
    };

    app.addHook('onSend', async (request, reply, payload) => {
      await write(request, reply, payload);
      return payload;
    });
    // Responses that bypass onSend (a hijacked reply) are still logged once they are done.
    app.addHook('onResponse', async (request, reply) => write(request, reply));
  },
  { name: 'audit-log', dependencies: ['auth'] },
);
