import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
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
import authPlugin from './plugins/auth';
import enrollmentRoutes from './routes/enrollments';
import healthRoutes from './routes/health';
import invitationRoutes from './routes/invitations';
import webhookRoutes from './routes/webhooks';

export interface AppServices {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
  defaultSchoolId: number;
  jwtSecret: string;
  paymentWebhookSecret: string;
  /** Shortened inactivity durations for tests; production uses the workflow's defaults. */
  enrollmentTimings?: EnrollmentTimings;
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

    await app.register(healthRoutes);
    await app.register(
      async (v1) => {
        await v1.register(invitationRoutes);
        await v1.register(enrollmentRoutes);
        await v1.register(webhookRoutes);
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
