import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findEnrollment } from '../../db/repositories/enrollments';
import { ENROLLMENT_ID_PATTERN, submitStepUpdate } from '../../workflows/messages';
import { errorSchema, forbidden, HttpError } from '../errors';
import { toHttpError } from '../temporal-errors';

/** The deposit a family pays at step 6 unless `DEPOSIT_AMOUNT_CENTS` says otherwise. */
export const DEFAULT_DEPOSIT_CENTS = 25_000;

const sitePath = z
  .string()
  .regex(/^\/(?!\/)[A-Za-z0-9/_.~?=&-]{0,500}$/, 'must be a path on this site, e.g. /en/join/abc');

const sessionSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/), url: z.url() });

/**
 * Step 6 through the provider's hosted checkout: the API opens a checkout session for the deposit, records its id
 * as the step's payment reference (the workflow then waits for the provider's signed webhook) and hands the browser
 * the provider's page to go to. The provider redirects back to `returnPath` on this site when the payer is done.
 */
const paymentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, paymentProvider } = app.services;
  const amountCents = app.services.depositAmountCents ?? DEFAULT_DEPOSIT_CENTS;

  app.post(
    '/enrollments/:id/payments/checkout',
    {
      preHandler: app.requireRole('parent'),
      schema: {
        tags: ['enrollments'],
        summary: "Open the payment provider's checkout for the deposit (step 6); answers where to send the browser",
        params: z.object({
          id: z.string().regex(ENROLLMENT_ID_PATTERN, 'must be an enrollment id like TSA-ENROLL-20260101-ABC123'),
        }),
        body: z.strictObject({
          returnPath: sitePath.describe('where the provider sends the browser back to after paying'),
          cancelPath: sitePath
            .optional()
            .describe('where it goes back to when the payer cancels; `returnPath` otherwise'),
        }),
        response: {
          201: z.object({ checkoutUrl: z.string(), paymentReference: z.string(), amountCents: z.number().int() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (request.user.enrollmentId !== id) throw forbidden('this token belongs to another enrollment');
      if (!paymentProvider) throw new HttpError(503, 'payments_unavailable', 'no payment provider is configured');
      const origin = `${request.protocol}://${request.host}`;
      const answer = await fetch(new URL('/v1/checkout/sessions', paymentProvider.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_reference_id: id,
          amount_total: amountCents,
          currency: 'usd',
          success_url: `${origin}${request.body.returnPath}`,
          cancel_url: `${origin}${request.body.cancelPath ?? request.body.returnPath}`,
        }),
      }).catch(() => undefined);
      const session = answer?.ok ? sessionSchema.safeParse(await answer.json()) : undefined;
      if (!session?.success) {
        throw new HttpError(503, 'payments_unavailable', 'the payment provider did not open a checkout; try again');
      }
      const exists = async () => (await findEnrollment(db, id)) !== undefined;
      await temporal.workflow
        .getHandle(id)
        .executeUpdate(submitStepUpdate, {
          args: [
            {
              step: 6,
              data: { paymentReference: session.data.id, amountCents },
              actor: { role: 'parent', id: request.user.sub },
            },
          ],
        })
        .catch((err) => toHttpError(err, `enrollment ${id}`, exists));
      request.auditContext = { target: id, details: { amountCents } };
      return reply.status(201).send({ checkoutUrl: session.data.url, paymentReference: session.data.id, amountCents });
    },
  );
};

export default paymentRoutes;
