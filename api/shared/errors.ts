import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z, ZodError } from 'zod';
import { languageOf, localiseIssue, localiseMessage, valueAt, type Language } from './error-language';

/** The body of every error answer. */
export const errorSchema = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export interface FieldIssue {
  path: string;
  message: string;
}

/** A refusal the caller can act on: its status, code, message and headers (`Retry-After`) are sent as they are. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: FieldIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, issues?: FieldIssue[]) =>
  new HttpError(400, 'invalid_request', message, issues);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (code: string, message: string) => new HttpError(409, code, message);
export const forbidden = (message = 'not allowed for this token') => new HttpError(403, 'forbidden', message);
/** Refused because of a parameter: the message and the one issue name it (`params.step`, `query.cursor`). */
export const invalidParameter = (path: string, message: string) =>
  new HttpError(400, 'invalid_request', `${path}: ${message}`, [{ path, message }]);
/** Not now, but the same request may succeed later: the caller is told when to try again. */
export const unavailable = (code: string, message: string, retryAfterSeconds: number) =>
  new HttpError(503, code, message, undefined, { 'retry-after': String(retryAfterSeconds) });

/** The error answers most routes can give; a route adds or picks the ones it needs. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
  429: errorSchema,
  503: errorSchema,
} as const;

function describe(issues: FieldIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/** An unknown key is named at its own path (`guardian.phnoe`), not at the object that holds it. */
function unknownKeyIssues(parent: string[], keys: readonly string[], language: Language = 'en'): FieldIssue[] {
  const message = localiseMessage('is not an accepted field', language);
  return keys.map((key) => ({ path: [...parent, key].join('.'), message }));
}

/**
 * One issue per field; with the caller's language and what was parsed (`input`), the messages are in that language
 * (English otherwise).
 */
export function zodIssues(error: ZodError, prefix = '', language: Language = 'en', input?: unknown): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean);
    if (issue.code === 'unrecognized_keys') return unknownKeyIssues(path, issue.keys, language);
    return [{ path: path.join('.'), message: localiseIssue(issue, valueAt(input, issue.path), language) }];
  });
}

/** PostgreSQL cannot be reached or the pool had no connection free in time: a retry later may succeed. */
function isDatabaseUnavailable(error: Error & { code?: string }): boolean {
  return (
    error.message === 'timeout exceeded when trying to connect' ||
    ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03'].includes(error.code ?? '')
  );
}

/**
 * One error handler: validation → 400 naming every field, known refusals → their status, anything unexpected → 500
 * with the request id and no internals (the details go to the log).
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Field messages in the caller's language (Accept-Language: es, else English); codes and paths never change.
    const language = languageOf(request.headers['accept-language']);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const context = error.validationContext;
      const parsed = context ? (request as unknown as Record<string, unknown>)[context] : undefined;
      const issues = error.validation.flatMap((v) => {
        // Named as a caller writes them: `params.step`, `query.limit`, `headers.idempotency-key`, body fields bare.
        const where = context === 'body' ? '' : context === 'querystring' ? 'query' : (context ?? '');
        const at = v.instancePath.split('/').filter(Boolean);
        const path = [where, ...at].filter(Boolean);
        const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined;
        if (keys) return unknownKeyIssues(path, keys, language);
        const issue = { ...v.params, code: v.keyword, path: at, message: v.message ?? 'is invalid' };
        return [
          { path: path.join('.'), message: localiseIssue(issue as z.core.$ZodIssue, valueAt(parsed, at), language) },
        ];
      });
      return reply.status(400).send({ error: 'invalid_request', message: describe(issues), issues });
    }
    if (error instanceof ZodError) {
      // Handlers parse the body (a step's payload) themselves: its paths start at the body.
      const issues = zodIssues(error, '', language, request.body);
      return reply.status(400).send({ error: 'invalid_request', message: describe(issues), issues });
    }
    if (error instanceof HttpError) {
      if (error.headers) reply.headers(error.headers);
      const issues = error.issues?.map((issue) => ({ ...issue, message: localiseMessage(issue.message, language) }));
      return reply.status(error.statusCode).send({
        error: error.code,
        message: issues && language !== 'en' ? describe(issues) : error.message,
        ...(issues ? { issues } : {}),
      });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return reply.status(500).send({ error: 'internal_error', message: `internal error (request ${request.id})` });
    }
    // Fastify's own client errors: malformed JSON, body too large, wrong content type.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
      return reply.status(status).send({ error: code, message: error.message });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return reply
        .status(503)
        .send({ error: 'database_unavailable', message: 'the database is busy or unreachable; try again shortly' });
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send({ error: 'internal_error', message: `internal error (request ${request.id})` });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }),
  );
}
