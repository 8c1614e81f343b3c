import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findCoach, insertCoachIfAbsent, listCoachInvitations } from '../../db/repositories/coaches';
import {
  backgroundCheckRerequestedSignal,
  backgroundCheckReviewedSignal,
  COACH_ID_PATTERN,
  CoachFailureTypes,
  coachOnboardingWorkflowId,
  coachProgressQuery,
  startQuizAttemptUpdate,
  submitCoachStepUpdate,
  type CoachOnboardingInput,
  type CoachOnboardingTimings,
} from '../../workflows/coach-onboarding/messages';
import {
  backgroundCheckRerequestSchema,
  backgroundCheckReviewSchema,
  coachStepSchemas,
  signUpSchema,
  type CoachStepNumber,
  type CoachStepSubmission,
} from '../../workflows/coach-onboarding/schemas';
import type { coachOnboardingWorkflow } from '../../workflows/coach-onboarding/workflow';
import type { Actor } from '../../workflows/messages';
import { conflict, errorSchema, forbidden, HttpError, notFound, zodIssues } from '../errors';
import { cursorQuery, enrollmentListPage, pageLimit, pageOfEnrollments } from '../shared';
import { languageOf, localiseMessage } from '../shared/error-language';
import { tokenClaimsSchema } from '../plugins/auth';
import { randomCode } from '../services/invitations';
import { toHttpError } from '../temporal-errors';

declare module '../app' {
  interface AppServices {
    /** Shortened onboarding durations for tests; production uses the workflow's defaults. */
    coachOnboardingTimings?: CoachOnboardingTimings;
  }
}

const coachParams = z.object({
  id: z.string().regex(COACH_ID_PATTERN, 'must be a coach id like TSA-COACH-20260101-ABC123'),
});

const stepStatus = z.enum(['pending', 'completed', 'awaiting_result', 'failed']);
export const coachProgressSchema = z.object({
  coachId: z.string(),
  status: z.enum(['in_progress', 'completed', 'failed', 'expired']),
  currentStep: z.number().int(),
  steps: z.array(
    z.object({ step: z.number().int(), name: z.string(), status: stepStatus, completedAt: z.string().optional() }),
  ),
  backgroundCheck: z.object({
    status: z.enum(['not_started', 'pending', 'suspended', 'needs_review', 'passed', 'failed', 'expired']),
    result: z.enum(['clear', 'consider']).optional(),
    reason: z.string().optional(),
  }),
  quiz: z.object({
    attempts: z.number().int(),
    passed: z.boolean(),
    bestScore: z.number().optional(),
    nextAttemptAt: z.string().optional(),
  }),
  schoolId: z.number().int().optional(),
  timelineId: z.string().optional(),
  failureReason: z.string().optional(),
  updatedAt: z.string(),
});

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const accepted = z.object({ accepted: z.literal(true) });

export function newCoachId(now = new Date()): string {
  return `TSA-COACH-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomCode(6)}`;
}

const actorOf = (request: FastifyRequest): Actor => ({ role: request.user.role, id: request.user.sub });

/** The quiz's refusal after three attempts in the window: the workflow names the next allowed time in its details. */
const quizLimitSchema = errorSchema.extend({
  nextAttemptAt: z.iso.datetime().describe('When the next attempt may start (ISO 8601, UTC)'),
});

function quizLimitOf(err: unknown): { message: string; nextAttemptAt: string } | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== CoachFailureTypes.quizAttemptLimit) return undefined;
  const issues = (err.cause.details?.[0] ?? []) as { path: string; message: string }[];
  const nextAttemptAt = issues.find((issue) => issue.path === 'nextAttemptAt')?.message;
  return nextAttemptAt ? { message: err.cause.message, nextAttemptAt } : undefined;
}

/** The coach's own failure types first (409 closed, 429 quiz limit); the rest as for enrollments. */
function toCoachHttpError(err: unknown, coachId: string, exists: () => Promise<boolean>): Promise<never> {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    if (err.cause.type === CoachFailureTypes.onboardingClosed) {
      return Promise.reject(conflict('onboarding_closed', err.cause.message));
    }
    if (err.cause.type === CoachFailureTypes.quizAttemptLimit) {
      return Promise.reject(new HttpError(429, 'quiz_attempt_limit', err.cause.message));
    }
  }
  return toHttpError(err, `onboarding of ${coachId}`, exists);
}

const coachRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.services;
  const handle = (coachId: string) => temporal.workflow.getHandle(coachOnboardingWorkflowId(coachId));
  const exists = (coachId: string) => async () => (await findCoach(db, coachId)) !== undefined;

  /** Whether the request carries a valid token of this coach (the route itself needs none). */
  async function holdsCoachToken(request: FastifyRequest, coachId: string): Promise<boolean> {
    if (!request.headers.authorization) return false;
    try {
      const claims = tokenClaimsSchema.parse(await request.jwtVerify());
      return claims.role === 'coach' && (claims.coachId ?? claims.sub) === coachId;
    } catch {
      return false;
    }
  }

  /** A coach acts only on itself; ops (and, for reads, auditors) on every coach. */
  function authorize(request: FastifyRequest, coachId: string): void {
    const claims = request.user;
    if (claims.role === 'coach' && (claims.coachId ?? claims.sub) !== coachId) {
      throw forbidden('this token belongs to another coach');
    }
  }

  app.post(
    '/coaches',
    {
      config: { auditActor: { actor: 'coach-sign-up', role: 'coach' } },
      schema: {
        tags: ['coaches'],
        summary: 'Sign up as a coach: starts the onboarding and answers a token scoped to the coach',
        description:
          'The same e-mail again answers 200 with the same coach id, and a token only to a caller already holding ' +
          "that coach's token: an e-mail address is no credential.",
        security: [],
        body: signUpSchema,
        response: {
          200: z.object({ coachId: z.string(), coachToken: z.string().optional() }),
          201: z.object({ coachId: z.string(), coachToken: z.string() }),
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const body = { ...request.body, email: request.body.email.toLowerCase() };
      const { coachId, created } = await db.transaction().execute(async (trx) => {
        const coach = await insertCoachIfAbsent(trx, { coachId: newCoachId(), ...body });
        await request.audit(trx, { actor: coach.coachId, target: coach.coachId, outcome: coach.created ? 201 : 200 });
        return coach;
      });
      const input: CoachOnboardingInput = {
        coachId,
        ...body,
        ...(app.services.coachOnboardingTimings ? { timings: app.services.coachOnboardingTimings } : {}),
      };
      try {
        // Started after the profile commits; a repeat (or a retry after a failed start) finds the same workflow.
        await temporal.workflow.start<typeof coachOnboardingWorkflow>('coachOnboardingWorkflow', {
          workflowId: coachOnboardingWorkflowId(coachId),
          taskQueue: app.services.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      // Whoever types a known e-mail learns that the coach exists, never a token for it.
      if (!created && !(await holdsCoachToken(request, coachId))) return reply.status(200).send({ coachId });
      const coachToken = app.signToken({ role: 'coach', sub: coachId, coachId }, '90d');
      return reply.status(created ? 201 : 200).send({ coachId, coachToken });
    },
  );

  app.get(
    '/coaches/:id/onboarding',
    {
      preHandler: app.requireRole('coach', 'ops', 'auditor'),
      schema: {
        tags: ['coaches'],
        summary: "The coach's onboarding progress, straight from its workflow",
        params: coachParams,
        response: { 200: coachProgressSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      authorize(request, id);
      return handle(id)
        .query(coachProgressQuery)
        .catch((err) => toCoachHttpError(err, id, exists(id)));
    },
  );

  app.put(
    '/coaches/:id/onboarding/steps/:step',
    {
      preHandler: app.requireRole('coach', 'ops'),
      schema: {
        tags: ['coaches'],
        summary: 'Submit (or correct) one onboarding step; answers with the new progress',
        description:
          'Steps in order. Bodies: 1 {sportSpecialties, locationPreferences, capacity, bio?}, 2 {llcName, ein, insuranceProvider, policyNumber, insuranceExpiry}, 3 {consent, legalFirstName, legalLastName, birthDate, ssnLast4}, 4 {attemptId, answers}, 5 {schoolName, address, gradesServed, sports, targetLaunchDate?}. Steps 1 and 2 may be corrected until the background check starts. An `Idempotency-Key` header makes a retried submission count once.',
        params: coachParams.extend({ step: z.coerce.number().int().min(1).max(5) }),
        headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }),
        body: z.record(z.string(), z.unknown()),
        response: { 200: coachProgressSchema, ...errors, 429: errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const step = request.params.step as CoachStepNumber;
      authorize(request, id);
      const parsed = coachStepSchemas[step].safeParse(request.body);
      if (!parsed.success) {
        // In the caller's language, as the error handler words other routes' field errors.
        const issues = zodIssues(parsed.error, '', languageOf(request.headers['accept-language']), request.body);
        throw new HttpError(
          400,
          'invalid_request',
          `step ${step}: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
          issues,
        );
      }
      const submission = { step, data: parsed.data } as CoachStepSubmission;
      const updateId = request.headers['idempotency-key'];
      return handle(id)
        .executeUpdate(submitCoachStepUpdate, {
          args: [{ ...submission, actor: actorOf(request) }],
          ...(updateId ? { updateId: `${id}:${updateId}` } : {}),
        })
        .catch((err) => toCoachHttpError(err, id, exists(id)));
    },
  );

  app.post(
    '/coaches/:id/onboarding/quiz/attempts',
    {
      preHandler: app.requireRole('coach'),
      schema: {
        tags: ['coaches'],
        summary: 'Start a training quiz attempt: ten questions drawn from the bank (at most three in 24 hours)',
        description:
          'After three attempts in 24 hours: 429 `quiz_attempt_limit` with `nextAttemptAt`, the time the next attempt ' +
          'may start (also as `Retry-After`, in seconds).',
        params: coachParams,
        response: {
          201: z.object({
            attemptId: z.string(),
            startedAt: z.string(),
            questions: z.array(
              z.object({
                questionId: z.string(),
                text: z.string(),
                choices: z.array(z.object({ choiceId: z.string(), text: z.string() })),
              }),
            ),
          }),
          ...errors,
          429: quizLimitSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      authorize(request, id);
      try {
        const attempt = await handle(id).executeUpdate(startQuizAttemptUpdate, { args: [{ actor: actorOf(request) }] });
        return reply.status(201).send(attempt);
      } catch (err) {
        const limit = quizLimitOf(err);
        if (!limit) return toCoachHttpError(err, id, exists(id));
        const seconds = Math.max(1, Math.ceil((Date.parse(limit.nextAttemptAt) - Date.now()) / 1000));
        return reply
          .status(429)
          .header('retry-after', String(seconds))
          .send({
            error: 'quiz_attempt_limit',
            message: localiseMessage(limit.message, languageOf(request.headers['accept-language'])),
            nextAttemptAt: limit.nextAttemptAt,
          });
      }
    },
  );

  const opsSignal = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    allowedWhen: (status: string) => boolean,
    send: (coachId: string, body: z.infer<B>, actor: Actor) => Promise<void>,
  ) =>
    app.post(
      `/coaches/:id/background-check/${path}`,
      {
        preHandler: app.requireRole('ops'),
        schema: { tags: ['coaches'], summary, params: coachParams, body, response: { 202: accepted, ...errors } },
      },
      async (request, reply) => {
        const { id } = request.params;
        const progress = await handle(id)
          .query(coachProgressQuery)
          .catch((err) => toCoachHttpError(err, id, exists(id)));
        if (progress.status !== 'in_progress' || !allowedWhen(progress.backgroundCheck.status)) {
          throw conflict(
            'background_check_state',
            `onboarding is ${progress.status} and the background check ${progress.backgroundCheck.status}`,
          );
        }
        await send(id, request.body as z.infer<B>, actorOf(request)).catch((err) =>
          toCoachHttpError(err, id, exists(id)),
        );
        return reply.status(202).send({ accepted: true as const });
      },
    );

  opsSignal(
    'review',
    'Decide a background check whose report needs review (result consider)',
    backgroundCheckReviewSchema,
    (status) => status === 'needs_review',
    (id, body, actor) => handle(id).signal(backgroundCheckReviewedSignal, { ...body, actor }),
  );
  opsSignal(
    'rerequest',
    'Order an expired background check again',
    backgroundCheckRerequestSchema,
    (status) => status === 'expired',
    (id, body, actor) => handle(id).signal(backgroundCheckRerequestedSignal, { ...body, actor }),
  );

  app.get(
    '/coaches/:id/invitations',
    {
      preHandler: app.requireRole('coach', 'ops', 'auditor'),
      schema: {
        tags: ['coaches'],
        summary: "The coach's invitations with their status",
        params: coachParams,
        response: {
          200: z.object({
            invitations: z.array(
              z.object({
                invitationId: z.string(),
                parentEmail: z.string(),
                schoolId: z.number().int(),
                sport: z.string().nullable(),
                status: z.enum(['pending', 'redeemed', 'expired', 'revoked']),
                enrollmentId: z.string().nullable(),
                expiresAt: z.string(),
                createdAt: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      authorize(request, id);
      if (!(await findCoach(db, id))) throw notFound(`coach ${id} not found`);
      const rows = await listCoachInvitations(db, id);
      return {
        invitations: rows.map((r) => ({
          invitationId: r.invitation_id,
          parentEmail: r.parent_email,
          schoolId: Number(r.school_id),
          sport: r.sport,
          status: r.status,
          enrollmentId: r.enrollment_id,
          expiresAt: r.expires_at.toISOString(),
          createdAt: r.created_at.toISOString(),
        })),
      };
    },
  );
  app.get(
    '/coaches/:id/enrollments',
    {
      preHandler: app.requireRole('coach', 'ops', 'auditor'),
      schema: {
        tags: ['coaches'],
        summary: "The enrollments of the coach's invitations, newest change first (the projection, as ops list it)",
        description:
          'Paged like `GET /v1/ops/enrollments`: pass `nextCursor` as `cursor`. A coach sees no record-set error text.',
        params: coachParams,
        querystring: z.object({ limit: pageLimit(50, 500), cursor: cursorQuery }),
        response: { 200: enrollmentListPage, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      authorize(request, id);
      if (!(await findCoach(db, id))) throw notFound(`coach ${id} not found`);
      return pageOfEnrollments(
        db,
        { coachId: id },
        { limit: request.query.limit, cursor: request.query.cursor, withErrors: request.user.role !== 'coach' },
      );
    },
  );
};

export default coachRoutes;
