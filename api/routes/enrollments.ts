import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findEnrollment, insertEnrollmentIfAbsent } from '../../db/repositories/enrollments';
import { progressSchema } from '../../domain/enrollment';
import { findInvitationByTokenHash, redeemInvitation } from '../../db/repositories/invitations';
import type { enrollmentWorkflow } from '../../workflows/enrollment';
import {
  consultationCompletedSchema,
  stepPayloadSchemas,
  type StepNumber,
  type StepSubmission,
} from '../../workflows/enrollment-schemas';
import {
  cancelSignal,
  consultationCompletedSignal,
  documentsVerifiedSignal,
  progressQuery,
  submitStepUpdate,
  type Actor,
  type EnrollmentInput,
  type EnrollmentProgress,
} from '../../workflows/messages';
import type { TokenClaims } from '../plugins/auth';
import { newEnrollmentId, sha256 } from '../services/invitations';
import {
  actorOf,
  callWorkflow,
  coachIdOf,
  enrollmentParams,
  errorResponses,
  errorSchema,
  forbidden,
  HttpError,
  notFound,
  stepParams,
} from '../shared';

const accepted = z.object({ accepted: z.literal(true) });
const errors = errorResponses;

/** The refusal's detail (tables, SQLSTATEs) is for operators and auditors; parents and coaches get the sentence. */
function progressFor(claims: TokenClaims, progress: EnrollmentProgress): EnrollmentProgress {
  if (claims.role === 'ops' || claims.role === 'auditor') return progress;
  const { errorDetail: _detail, ...studentRecords } = progress.studentRecords;
  return { ...progress, studentRecords };
}

const enrollmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.services;
  const handle = (id: string) => temporal.workflow.getHandle(id);
  const enrollment = (id: string) => ({
    what: `enrollment ${id}`,
    exists: async () => (await findEnrollment(db, id)) !== undefined,
  });

  /** A parent sees only its own enrollment; a coach only those it invited; ops and auditors all. */
  async function authorize(request: FastifyRequest, enrollmentId: string): Promise<void> {
    const claims = request.user;
    if (claims.role === 'parent') {
      if (claims.enrollmentId !== enrollmentId) throw forbidden('this token belongs to another enrollment');
      return;
    }
    if (claims.role === 'coach') {
      const row = await findEnrollment(db, enrollmentId);
      if (!row) throw notFound(`enrollment ${enrollmentId} not found`);
      if (row.coach_id !== coachIdOf(request)) throw forbidden('this enrollment belongs to another coach');
    }
  }

  app.post(
    '/enrollments',
    {
      schema: {
        tags: ['enrollments'],
        summary: "Redeem a coach's invitation: starts (or returns) the enrollment",
        security: [],
        body: z.strictObject({ invitationToken: z.string().min(16).max(200) }),
        response: {
          200: z.object({ enrollmentId: z.string(), parentToken: z.string() }),
          201: z.object({ enrollmentId: z.string(), parentToken: z.string() }),
          400: errorSchema,
          404: errorSchema,
          410: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const invitation = await findInvitationByTokenHash(db, sha256(request.body.invitationToken));
      if (!invitation) throw notFound('unknown invitation token');
      // The invitation token is this caller's only credential, so the invitation names who acted.
      request.auditContext = { actor: `invitation:${invitation.invitation_id}`, role: 'parent' };
      if (invitation.status === 'revoked')
        throw new HttpError(410, 'invitation_revoked', 'this invitation was revoked');
      const candidate = newEnrollmentId();
      const redeemed = await db.transaction().execute(async (trx) => {
        const row = await redeemInvitation(trx, invitation.invitation_id, candidate);
        if (!row?.enrollment_id) return undefined;
        await insertEnrollmentIfAbsent(trx, {
          enrollmentId: row.enrollment_id,
          invitationId: invitation.invitation_id,
          coachId: row.coach_id,
          schoolId: Number(row.school_id),
        });
        await request.audit(trx, { target: row.enrollment_id, outcome: row.enrollment_id === candidate ? 201 : 200 });
        return { ...row, enrollmentId: row.enrollment_id };
      });
      if (!redeemed) throw new HttpError(410, 'invitation_expired', 'this invitation has expired');

      const input: EnrollmentInput = {
        enrollmentId: redeemed.enrollmentId,
        invitationId: invitation.invitation_id,
        coachId: redeemed.coach_id,
        schoolId: Number(redeemed.school_id),
        parentEmail: redeemed.parent_email,
        ...(app.services.enrollmentTimings ? { timings: app.services.enrollmentTimings } : {}),
      };
      try {
        // Started after the redemption commits; a repeat (or a retry after a failed start) finds or starts the same one.
        await temporal.workflow.start<typeof enrollmentWorkflow>('enrollmentWorkflow', {
          workflowId: redeemed.enrollmentId,
          taskQueue: app.services.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          // A finished enrollment is never started again: a repeat redemption answers the same, closed enrollment.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          ...(app.services.eagerWorkflowStart ? { requestEagerStart: true } : {}),
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      const parentToken = app.signToken(
        { role: 'parent', sub: `parent:${redeemed.enrollmentId}`, enrollmentId: redeemed.enrollmentId },
        '90d',
      );
      const created = redeemed.enrollmentId === candidate;
      return reply.status(created ? 201 : 200).send({ enrollmentId: redeemed.enrollmentId, parentToken });
    },
  );

  app.get(
    '/enrollments/:id',
    {
      preHandler: app.requireRole('parent', 'coach', 'ops', 'auditor'),
      schema: {
        tags: ['enrollments'],
        summary: "The enrollment's progress, straight from its workflow",
        params: enrollmentParams,
        response: { 200: progressSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await authorize(request, id);
      return callWorkflow(enrollment(id), () => handle(id).query(progressQuery)).then((progress) =>
        progressFor(request.user, progress),
      );
    },
  );

  app.put(
    '/enrollments/:id/steps/:step',
    {
      preHandler: app.requireRole('parent'),
      schema: {
        tags: ['enrollments'],
        summary: 'Submit (or correct) one step; answers with the new progress',
        description:
          'Steps complete in order. Bodies: 1 {guardian, address}, 2 {sportInterests, gradeLevel, expectedStartDate, previousSchool?}, 3 {scheduledAt}, 4 {firstName, middleName?, lastName, birthDate, sex, hispanicLatinoEthnicity, races}, 5 {documents}, 6 {paymentReference, amountCents}. An `Idempotency-Key` header makes a retried submission count once.',
        params: stepParams,
        headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }),
        body: z.record(z.string(), z.unknown()),
        response: { 200: progressSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const step = request.params.step as StepNumber;
      await authorize(request, id);
      const submission = { step, data: stepPayloadSchemas[step].parse(request.body) } as StepSubmission;
      const updateId = request.headers['idempotency-key'];
      return callWorkflow(enrollment(id), () =>
        handle(id).executeUpdate(submitStepUpdate, {
          args: [{ ...submission, actor: actorOf(request) }],
          ...(updateId ? { updateId: `${id}:${updateId}` } : {}),
        }),
      ).then((progress) => progressFor(request.user, progress));
    },
  );

  const signalRoute = <B extends z.ZodType>(
    path: string,
    summary: string,
    roles: TokenClaims['role'][],
    body: B,
    send: (id: string, body: z.infer<B>, actor: Actor) => Promise<void>,
  ) =>
    app.post(
      `/enrollments/:id/${path}`,
      {
        preHandler: app.requireRole(...roles),
        schema: {
          tags: ['enrollments'],
          summary,
          params: enrollmentParams,
          body,
          response: { 202: accepted, ...errors },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        await authorize(request, id);
        await callWorkflow(enrollment(id), () => send(id, request.body as z.infer<B>, actorOf(request)));
        return reply.status(202).send({ accepted: true as const });
      },
    );

  signalRoute(
    'consultation',
    'The coach confirms the consultation took place (completes step 3)',
    ['coach', 'ops'],
    consultationCompletedSchema,
    (id, body, actor) => handle(id).signal(consultationCompletedSignal, { ...body, actor }),
  );
  signalRoute(
    'documents/verify',
    'Staff confirm documents they have seen (they count as submitted)',
    ['coach', 'ops'],
    z.strictObject({
      documentTypes: z
        .array(z.enum(['birth_certificate', 'immunization_record', 'proof_of_residence', 'prior_school_records']))
        .max(4)
        .optional(),
      notes: z.string().max(2000).optional(),
    }),
    (id, body, actor) => handle(id).signal(documentsVerifiedSignal, { ...body, actor }),
  );
  signalRoute(
    'cancel',
    'Cancel the enrollment; created student records are withdrawn',
    ['parent', 'ops'],
    z.strictObject({ reason: z.string().trim().min(1).max(500) }),
    (id, body, actor) => handle(id).signal(cancelSignal, { ...body, actor }),
  );
};

export default enrollmentRoutes;
