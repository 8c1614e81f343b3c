import { WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findCoachByCandidate, recordBackgroundCheckEvent } from '../../db/repositories/coaches';
import { backgroundCheckCompletedSignal, coachOnboardingWorkflowId } from '../../workflows/coach-onboarding/messages';
import { webhookEventSchema } from '../../workflows/coach-onboarding/schemas';
import { errorSchema, HttpError, notFound, zodIssues } from '../errors';
import { hmacSha256Matches, keepRawJsonBody } from '../shared/signed-webhooks';

declare module '../app' {
  interface AppServices {
    /** Signs the background-check provider's webhooks (Checkr signs with the account's API key). */
    backgroundCheckWebhookSecret?: string;
  }
}

/** `X-Checkr-Signature`: hex HMAC-SHA256 of the raw body with the provider key, compared in constant time. */
export function verifyCheckrSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  return hmacSha256Matches(secret, rawBody, header);
}

const backgroundCheckWebhookRoutes: FastifyPluginAsyncZod = async (app) => {
  keepRawJsonBody(app);

  app.post(
    '/webhooks/background-checks',
    {
      config: { auditActor: { actor: 'background-check-provider', role: 'background_check_provider' } },
      schema: {
        tags: ['webhooks'],
        summary: "The background-check provider's events (Checkr-shaped), de-duplicated on the event id",
        security: [],
        headers: z.object({ 'x-checkr-signature': z.string().optional() }),
        body: z.unknown(),
        response: {
          202: z.object({ accepted: z.literal(true), duplicate: z.boolean() }),
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { db, temporal, backgroundCheckWebhookSecret } = app.services;
      const signature = request.headers['x-checkr-signature'];
      if (
        !backgroundCheckWebhookSecret ||
        !request.rawBody ||
        !verifyCheckrSignature(backgroundCheckWebhookSecret, request.rawBody, signature)
      ) {
        throw new HttpError(401, 'bad_signature', 'X-Checkr-Signature does not match the body');
      }
      const parsed = webhookEventSchema.safeParse(request.body);
      if (!parsed.success) {
        const issues = zodIssues(parsed.error);
        throw new HttpError(400, 'invalid_request', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
      }
      const event = parsed.data;
      const object = event.data.object;
      // Unknown until the check's row is written; the provider delivers again later.
      const coachId = await findCoachByCandidate(db, object.candidate_id);
      if (!coachId) throw notFound(`no background check for candidate ${object.candidate_id}`);
      request.auditContext = { target: coachId, details: { eventId: event.id, type: event.type } };

      // The event is recorded and signalled together: a failed signal rolls the record back, so the redelivery counts.
      const duplicate = await db.transaction().execute(async (trx) => {
        const fresh = await recordBackgroundCheckEvent(trx, {
          eventId: event.id,
          type: event.type,
          objectId: object.id,
          candidateId: object.candidate_id,
          coachId,
          createdAt: event.created_at,
        });
        if (fresh) {
          await temporal.workflow
            .getHandle(coachOnboardingWorkflowId(coachId))
            .signal(backgroundCheckCompletedSignal, {
              eventId: event.id,
              type: event.type,
              createdAt: new Date(event.created_at).toISOString(),
              candidateId: object.candidate_id,
              ...(object.object === 'report'
                ? {
                    report: {
                      id: object.id,
                      status: object.status,
                      result: object.result ?? null,
                      adjudication: object.adjudication ?? null,
                    },
                  }
                : {}),
              actor: { role: 'background_check_provider', id: 'checkr' },
            })
            .catch((err: unknown) => {
              // A finished onboarding takes no more events; the provider must not retry it forever.
              if (!(err instanceof WorkflowNotFoundError)) throw err;
            });
        }
        await request.audit(trx, { outcome: 202, details: { eventId: event.id, type: event.type, duplicate: !fresh } });
        return !fresh;
      });
      return reply.status(202).send({ accepted: true as const, duplicate });
    },
  );
};

export default backgroundCheckWebhookRoutes;
