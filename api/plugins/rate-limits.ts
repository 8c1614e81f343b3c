import { createHash } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../shared/errors';

/** Requests a minute from one IP address, and (where the caller sends a token) with one token. */
export interface RateBudget {
  perIp: number;
  perToken?: number;
}

export const RATE_BUDGET_NAMES = ['redemption', 'credentials', 'webhook', 'token'] as const;
export type RateBudgetName = (typeof RATE_BUDGET_NAMES)[number];
export type RateLimits = Record<RateBudgetName, RateBudget>;

/**
 * What one client may send a minute. Redemption and the credential routes (sign-up, OAuth tokens) hand out tokens to
 * callers without one, so they are the tightest; providers' webhooks come from a few addresses in bursts; `token` is
 * every other route.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  redemption: { perIp: 30 },
  credentials: { perIp: 10 },
  webhook: { perIp: 600 },
  token: { perIp: 1200, perToken: 300 },
};

/** The routes with a budget of their own (`METHOD /path` as registered); adding one is one line. */
export const RATE_LIMITED_ROUTES: Record<string, RateBudgetName> = {
  'POST /v1/enrollments': 'redemption',
  'POST /v1/coaches': 'credentials',
  'POST /oauth/token': 'credentials',
  'POST /v1/webhooks/payments': 'webhook',
  'POST /v1/webhooks/background-checks': 'webhook',
};

const WINDOW_MS = 60_000;

const tokenKey = (request: FastifyRequest) =>
  createHash('sha256')
    .update(request.headers.authorization ?? '')
    .digest('base64url');

/** Not limited: the documentation and the health probe (load balancers poll it). */
const UNLIMITED = /^\/(docs|health)(\/|$)/;

/**
 * Per-route budgets on every route (`@fastify/rate-limit`, counted in this process): a client over its budget is
 * answered 429 with `Retry-After` (seconds) and the product's error body, before anything else is done.
 */
export default fp<{ limits: RateLimits }>(
  async (app, { limits }) => {
    await app.register(fastifyRateLimit, { global: false });

    app.addHook('onRoute', (route) => {
      if (UNLIMITED.test(route.url)) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.includes('OPTIONS')) return;
      const name = RATE_LIMITED_ROUTES[`${methods[0]} ${route.url}`] ?? 'token';
      const budget = limits[name];
      const perIp = app.createRateLimit({ max: budget.perIp, timeWindow: WINDOW_MS });
      const perToken = budget.perToken
        ? app.createRateLimit({ max: budget.perToken, timeWindow: WINDOW_MS, keyGenerator: tokenKey })
        : undefined;
      const limit: onRequestAsyncHookHandler = async (request, reply) => {
        const results = [await perIp(request)];
        if (perToken && request.headers.authorization) results.push(await perToken(request));
        const exceeded = results.find((r) => !r.isAllowed && r.isExceeded);
        if (!exceeded || exceeded.isAllowed) return;
        reply.header('retry-after', String(exceeded.ttlInSeconds));
        throw new HttpError(
          429,
          'rate_limited',
          `too many requests: ${exceeded.max} a minute are allowed here; retry in ${exceeded.ttlInSeconds} s`,
        );
      };
      const own = route.onRequest;
      route.onRequest = [limit, ...(Array.isArray(own) ? own : own ? [own] : [])];
    });
  },
  { name: 'rate-limits' },
);
