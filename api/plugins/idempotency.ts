import { createHash } from 'node:crypto';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import {
  claimIdempotencyKey,
  releaseIdempotencyKey,
  type IdempotencyClaim,
} from '../../db/repositories/idempotency-keys';
import { HttpError } from '../shared/errors';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const HEADER = 'idempotency-key';

/** The same JSON whatever the order of its keys. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const claims = new WeakMap<FastifyRequest, IdempotencyClaim>();

/**
 * An `Idempotency-Key` names one request: its method, path and body (the IETF Idempotency-Key draft, Stripe). The first
 * request a caller sends with a key binds the key to that request's fingerprint; the same request sent again goes
 * through to the route, which answers it as before (the same invitation, the step submission counted once); another
 * request with the same key is refused with 422, naming the key, and changes nothing. A request that fails (4xx, 5xx)
 * frees its key, so a corrected request may use it. Keys are per caller (the token's subject).
 */
export default fp(
  async (app) => {
    const { db } = app.services;

    const check: preHandlerAsyncHookHandler = async (request) => {
      const key = request.headers[HEADER];
      if (typeof key !== 'string' || key.length === 0) return;
      const path = request.url;
      const fingerprint = createHash('sha256')
        .update(`${request.method} ${path}\n${canonicalJson(request.body ?? null)}`)
        .digest('hex');
      const claim = { scope: request.user?.sub ?? 'anonymous', key, fingerprint, method: request.method, path };
      const bound = await claimIdempotencyKey(db, claim);
      if (bound.fingerprint !== fingerprint) {
        const earlier = `${bound.method} ${bound.path}`;
        const message =
          `Idempotency-Key "${key}" was already used for another request (${earlier}` +
          `${earlier === `${request.method} ${path}` ? ' with another body' : ''}); send a new key for a new request`;
        throw new HttpError(422, 'idempotency_key_reused', message, [
          { path: `headers.${HEADER}`, message: 'was already used for another request' },
        ]);
      }
      if (bound.created) claims.set(request, claim);
    };

    // After the route's own preHandlers (authentication), so the key is scoped to the caller the token names.
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!methods.some((m) => MUTATING.has(m))) return;
      const own = route.preHandler;
      route.preHandler = [...(Array.isArray(own) ? own : own ? [own] : []), check];
    });

    // Before the answer leaves, so a corrected request sent right after it finds the key free.
    app.addHook('onSend', async (request, reply, payload) => {
      const claim = claims.get(request);
      if (claim && reply.statusCode >= 400) {
        claims.delete(request);
        await releaseIdempotencyKey(db, claim.scope, claim.key, claim.fingerprint).catch((err: unknown) =>
          request.log.warn({ err, key: claim.key }, 'could not free the Idempotency-Key of a failed request'),
        );
      }
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['auth'] },
);
