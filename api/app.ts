import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { EnrollmentTimings } from '../workflows/messages';
import { registerErrorHandler } from './shared/errors';
import auditLogPlugin from './plugins/audit-log';
import authPlugin from './plugins/auth';
import idempotencyPlugin from './plugins/idempotency';
import rateLimitsPlugin, { DEFAULT_RATE_LIMITS, type RateLimits } from './plugins/rate-limits';
import securityHeadersPlugin, { clientErrorHandler, swaggerUiCsp } from './plugins/security-headers';
import textGuardPlugin from './plugins/text-guard';
import auditRoutes from './routes/audit';
import backgroundCheckWebhookRoutes from './routes/background-check-webhooks';
import coachRoutes from './routes/coaches';
import codecRoutes, { DEFAULT_UI_ORIGINS } from './routes/codec';
import documentRoutes from './routes/documents';
import enrollmentRoutes from './routes/enrollments';
import healthRoutes from './routes/health';
import invitationRoutes from './routes/invitations';
import opsRoutes from './routes/ops';
import timelineRoutes from './routes/timelines';
import webhookRoutes from './routes/webhooks';
import clientCredentialsPlugin from './plugins/client-credentials';
import edfiRoutes from './routes/edfi';
import oauthRoutes from './routes/oauth';
import oneRosterRoutes, { ONEROSTER_PREFIX } from './routes/oneroster';
import standardsOpsRoutes from './routes/standards-ops';
import paymentRoutes from './routes/payments';
import webRoutes from './routes/web';
import type { OidcOptions } from './plugins/oidc';

export interface AppServices {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
  defaultSchoolId: number;
  jwtSecret: string;
  paymentWebhookSecret: string;
  /** Browser origins of the Temporal Web UI that may call the codec endpoints (the local dev UI's by default). */
  temporalUiOrigins?: string[];
  /** Shortened inactivity durations for tests; production uses the workflow's defaults. */
  enrollmentTimings?: EnrollmentTimings;
  /** The worker's data converter, for replaying histories (the Temporal client's payload codecs otherwise). */
  dataConverter?: DataConverter;
  /** The workflow code the worker runs, for replaying histories; `workflows/` is bundled on first use otherwise. */
  workflowBundle?: { codePath: string } | { code: string };
  /**
   * A worker for `taskQueue` runs in this process on the client's own NativeConnection: a redeemed enrollment's
   * first workflow task is then handed to it in the start response instead of through the task queue.
   */
  eagerWorkflowStart?: boolean;
  /** Per-route request budgets over the defaults (`DEFAULT_RATE_LIMITS`); tests raise them. */
  rateLimits?: Partial<RateLimits>;
  /** The built web app (`web/dist`), served at `/`; absent, the API serves no pages. */
  webRoot?: string;
  /** Where step 5's uploaded files are kept (content-addressed); `.data/documents` otherwise. */
  documentsDir?: string;
  /** The payment provider's API (its hosted checkout), for step 6's deposit. */
  paymentProvider?: { url: string };
  depositAmountCents?: number;
  /** The Temporal Web UI, for the ops console's links to each workflow. */
  temporalUiUrl?: string;
  /** Staff tokens from an OpenID Connect issuer, besides the API's own (development) tokens. */
  oidc?: OidcOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

/** The whole API as a plugin: tests `inject` into it, `server.ts` listens. It never listens itself. */
export const api = fp<AppServices>(
  async (app, services) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorate('services', services);
    registerErrorHandler(app);

    await app.register(fastifySwagger, {
      openapi: {
        info: {
          title: 'TSA Enrollment Engine',
          description: 'Parent enrollment, coach onboarding and timelines, operations and audit.',
          version: '1',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: swaggerUiCsp });
    await app.register(securityHeadersPlugin);
    await app.register(rateLimitsPlugin, { limits: { ...DEFAULT_RATE_LIMITS, ...services.rateLimits } });
    await app.register(authPlugin, { secret: services.jwtSecret, ...(services.oidc ? { oidc: services.oidc } : {}) });
    await app.register(auditLogPlugin);
    await app.register(textGuardPlugin);
    await app.register(idempotencyPlugin);
    await app.register(clientCredentialsPlugin, { secret: services.jwtSecret });

    await app.register(healthRoutes);
    // The standards APIs, outside /v1: the paths their consumers expect, with their own client-credentials tokens.
    await app.register(oauthRoutes);
    await app.register(oneRosterRoutes, { prefix: ONEROSTER_PREFIX });
    await app.register(edfiRoutes);
    await app.register(webRoutes);
    await app.register(
      async (v1) => {
        await v1.register(invitationRoutes);
        await v1.register(enrollmentRoutes);
        await v1.register(webhookRoutes);
        await v1.register(coachRoutes);
        await v1.register(backgroundCheckWebhookRoutes);
        await v1.register(opsRoutes);
        await v1.register(auditRoutes);
        await v1.register(standardsOpsRoutes);
        await v1.register(timelineRoutes);
        await v1.register(documentRoutes);
        await v1.register(paymentRoutes);
        await v1.register(codecRoutes, {
          prefix: '/codec',
          codecs: services.temporal.options.loadedDataConverter.payloadCodecs,
          namespace: services.temporal.options.namespace,
          uiOrigins: services.temporalUiOrigins ?? DEFAULT_UI_ORIGINS,
          roles: ['auditor', 'ops'],
        });
      },
      { prefix: '/v1' },
    );
  },
  { name: 'tsa-api' },
);

export function buildApp(services: AppServices, options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    clientErrorHandler,
    ...options,
  }).withTypeProvider<ZodTypeProvider>();
  app.register(api, services);
  return app;
}
