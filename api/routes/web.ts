import fastifyStatic from '@fastify/static';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../errors';
import { DEFAULT_DEPOSIT_CENTS } from './payments';

/** Paths the web app never owns: a miss there is the API's 404, not the app's page. */
const API_PATHS = /^\/(v1|docs|health|ims|data)(\/|$|\?)/;

/**
 * The web app: its built files (`web/dist`) at `/`, and every other page path answered with its `index.html`, so a
 * link like `/en/join/<token>` opens the app, which then routes in the browser. Also what the app needs to know
 * about this deployment (`GET /v1/web/config`).
 */
const webRoutes: FastifyPluginAsyncZod = async (app) => {
  const { webRoot, temporalUiUrl, temporal } = app.services;

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
          }),
        },
      },
    },
    async () => ({
      temporalUiUrl: temporalUiUrl ?? null,
      namespace: temporal.options.namespace,
      depositAmountCents: app.services.depositAmountCents ?? DEFAULT_DEPOSIT_CENTS,
    }),
  );

  if (!webRoot) return;
  const index = path.join(webRoot, 'index.html');
  if (!fs.existsSync(index)) throw new Error(`the web app is not built: ${index} is missing (npm run web:build)`);
  await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: false, maxAge: '1h' });
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    if (API_PATHS.test(request.url)) throw notFound(`no route GET ${request.url}`);
    // The page may change with every build, the hashed assets never: only they are cached.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { maxAge: 0 });
  });
};

export default webRoutes;
