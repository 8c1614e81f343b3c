import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findEnrollment } from '../../db/repositories/enrollments';
import { paymentConfirmationSchema } from '../../workflows/enrollment-schemas';
import { paymentConfirmedSignal } from '../../workflows/messages';
import { callWorkflow, errorResponses, HttpError, notFound } from '../shared';
import { hmacSha256Matches, keepRawJsonBody } from '../shared/signed-webhooks';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, compared in constant time. */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const match = /^sha256=(.*)$/i.exec(header ?? '');
  return !!match && hmacSha256Matches(secret, rawBody, match[1]);
}

const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  keepRawJsonBody(app);

  app.post(
    '/webhooks/payments',
    {
      config: { auditActor: { actor: 'payment-provider', role: 'payment_provider' } },
      schema: {
        tags: ['webhooks'],
        summary: "The payment provider's confirmation of a deposit (completes step 6)",
        security: [],
        headers: z.object({ 'x-signature': z.string().optional() }),
        body: z.unknown(),
        response: { 202: z.object({ accepted: z.literal(true) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { paymentWebhookSecret, db, temporal } = app.services;
      if (!request.rawBody || !verifySignature(paymentWebhookSecret, request.rawBody, request.headers['x-signature'])) {
        throw new HttpError(401, 'bad_signature', 'X-Signature does not match the body');
      }
      const { enrollmentId, ...payment } = paymentConfirmationSchema.parse(request.body);
      if (!(await findEnrollment(db, enrollmentId))) throw notFound(`enrollment ${enrollmentId} not found`);
      await callWorkflow({ what: `enrollment ${enrollmentId}`, exists: async () => true }, () =>
        temporal.workflow
          .getHandle(enrollmentId)
          .signal(paymentConfirmedSignal, { ...payment, actor: { role: 'payment_provider', id: 'payments' } }),
      );
      return reply.status(202).send({ accepted: true as const });
    },
  );
};

export default webhookRoutes;
