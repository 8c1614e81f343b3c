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
import { registerErrorHandler } from './errors';
import auditLogPlugin from './plugins/audit-log';
import authPlugin from './plugins/auth';
import auditRoutes from './routes/audit';
import backgroundCheckWebhookRoutes from './routes/background-check-webhooks';
import coachRoutes from './routes/coaches';
import codecRoutes, { DEFAULT_UI_ORIGINS } from './routes/codec';
import enrollmentRoutes from './routes/enrollments';
import healthRoutes from './routes/health';
import invitationRoutes from './routes/invitations';
import opsRoutes from './routes/ops';
import webhookRoutes from './routes/webhooks';

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
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
    await app.register(authPlugin, { secret: services.jwtSecret });
    await app.register(auditLogPlugin);

    await app.register(healthRoutes);
    await app.register(
      async (v1) => {
        await v1.register(invitationRoutes);
        await v1.register(enrollmentRoutes);
        await v1.register(webhookRoutes);
        await v1.register(coachRoutes);
        await v1.register(backgroundCheckWebhookRoutes);
        await v1.register(opsRoutes);
        await v1.register(auditRoutes);
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
    ...options,
  }).withTypeProvider<ZodTypeProvider>();
  app.register(api, services);
  return app;
}
