import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const healthSchema = z.object({ postgres: z.boolean(), temporal: z.boolean() });

/** Each check gets a short deadline, so a dead dependency answers 503 quickly instead of hanging the probe. */
function within<T>(ms: number, promise: Promise<T>): Promise<boolean> {
  return Promise.race([
    promise.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);
}

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Whether PostgreSQL and Temporal answer',
        security: [],
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const { db, temporal } = app.services;
      const [postgres, temporalUp] = await Promise.all([
        within(2000, sql`select 1`.execute(db)),
        within(2000, temporal.workflowService.getSystemInfo({})),
      ]);
      const body = { postgres, temporal: temporalUp };
      return reply.status(postgres && temporalUp ? 200 : 503).send(body);
    },
  );
};

export default healthRoutes;
