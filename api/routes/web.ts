import fastifyStatic from '@fastify/static';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses, notFound } from '../shared';
import { DEFAULT_DEPOSIT_CENTS } from './payments';

/**
 * The pages' Content-Security-Policy (the API's own answers keep `default-src 'none'`): the app's scripts, styles and
 * requests come from this origin only, and its sign-in also talks to the OpenID Connect provider (discovery and the
 * token request go from the browser).
 */
function pageCsp(oidcIssuer?: string): string {
  const connect = ["'self'", ...(oidcIssuer ? [new URL(oidcIssuer).origin] : [])].join(' ');
  return [
    "default-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Paths the web app never owns: a miss there is the API's 404, not the app's page. */
const API_PATHS = /^\/(v1|docs|health|ims|data)(\/|$|\?)/;

/**
 * The web app: its built files (`web/dist`) at `/`, and every other page path answered with its `index.html`, so a
 * link like `/en/join/<token>` opens the app, which then routes in the browser. Also what the app needs to know
 * about this deployment (`GET /v1/web/config`).
 */
const webRoutes: FastifyPluginAsyncZod = async (app) => {
  const { webRoot, temporalUiUrl, temporal, oidc } = app.services;

  app.get(
    '/v1/web/config',
    {
      schema: {
        tags: ['web'],
        summary: "What the web app shows about this deployment: the deposit, the Temporal Web UI's address",
        security: [],
        response: {
          200: z.object({
            temporalUiUrl: z.string().nullable(),
            namespace: z.string(),
            depositAmountCents: z.number().int(),
            oidc: z
              .object({
                issuer: z.string(),
                clientId: z.string(),
                scopes: z.string(),
                resource: z.string().describe('the audience the API checks, asked for as a resource indicator'),
                providerName: z.string(),
              })
              .nullable()
              .describe('staff sign-in at the OpenID Connect issuer; null: staff paste a token'),
          }),
        },
      },
    },
    async () => ({
      temporalUiUrl: temporalUiUrl ?? null,
      namespace: temporal.options.namespace,
      depositAmountCents: app.services.depositAmountCents ?? DEFAULT_DEPOSIT_CENTS,
      oidc: oidc?.signIn ? { issuer: oidc.issuer, resource: oidc.audience, ...oidc.signIn } : null,
    }),
  );

  app.get(
    '/v1/web/session',
    {
      preHandler: app.requireRole('ops', 'auditor', 'coach', 'parent'),
      schema: {
        tags: ['web'],
        summary: 'Who the bearer token is, as the API reads it: its role and subject (the sign-in page lands on it)',
        response: { 200: z.object({ role: z.string(), sub: z.string() }), ...errorResponses },
      },
    },
    async (request) => ({ role: request.user.role, sub: request.user.sub }),
  );

  if (!webRoot) return;
  const index = path.join(webRoot, 'index.html');
  if (!fs.existsSync(index)) throw new Error(`the web app is not built: ${index} is missing (npm run web:build)`);
  await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: false, maxAge: '1h' });
  const csp = pageCsp(oidc?.signIn ? oidc.issuer : undefined);
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    if (API_PATHS.test(request.url)) throw notFound(`no route GET ${request.url}`);
    // The page may change with every build, the hashed assets never: only they are cached.
    return reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .sendFile('index.html', { maxAge: 0 });
  });
};

export default webRoutes;
