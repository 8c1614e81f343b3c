import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { coachSchoolIds, findCoach } from '../../db/repositories/coaches';
import { insertInvitation } from '../../db/repositories/invitations';
import { invitationToken, randomCode, sha256 } from '../services/invitations';
import { badRequest, coachIdOf, errorResponses, forbidden } from '../shared';

const createInvitationBody = z.strictObject({
  parentEmail: z.email(),
  schoolId: z.number().int().positive().optional(),
  sport: z.string().trim().min(2).max(40).optional(),
  expiresInDays: z.number().int().min(1).max(90).default(14),
  coachId: z.string().min(1).max(100).optional().describe('ops only: the coach the invitation is for'),
});

const invitationResponse = z.object({
  invitationId: z.string(),
  invitationToken: z.string(),
  expiresAt: z.string(),
});

const invitationRoutes: FastifyPluginAsyncZod = async (app) => {
  /** A coach invites only once onboarded, and only for a school it heads (its only school by default). */
  async function coachSchoolFor(coachId: string, requested: number | undefined): Promise<number> {
    const coach = await findCoach(app.services.db, coachId);
    if (!coach) throw forbidden(`coach ${coachId} has not signed up`);
    if (coach.onboarding_status !== 'completed') {
      throw forbidden(`coach onboarding is ${coach.onboarding_status}: only onboarded coaches invite parents`);
    }
    const schools = await coachSchoolIds(app.services.db, coachId);
    if (requested !== undefined && !schools.includes(requested)) {
      throw forbidden(`school ${requested} is not one of your schools`);
    }
    if (requested === undefined && schools.length !== 1) {
      throw badRequest('schoolId is required: you head several schools', [
        { path: 'schoolId', message: `must be one of ${schools.join(', ')}` },
      ]);
    }
    return requested ?? schools[0]!;
  }

  app.post(
    '/invitations',
    {
      preHandler: app.requireRole('coach', 'ops'),
      schema: {
        tags: ['invitations'],
        summary: 'Invite a parent: the token is their credential to start an enrollment',
        description: 'Send an `Idempotency-Key` header to make a retried request return the same invitation.',
        headers: z.object({ 'idempotency-key': z.string().min(8).max(200).optional() }),
        body: createInvitationBody,
        response: { 201: invitationResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { db, jwtSecret, defaultSchoolId } = app.services;
      const claims = request.user;
      const ownCoachId = coachIdOf(request);
      if (ownCoachId && request.body.coachId && request.body.coachId !== ownCoachId) {
        throw badRequest('a coach invites for itself', [{ path: 'coachId', message: 'must be your own coach id' }]);
      }
      const coachId = ownCoachId ?? request.body.coachId ?? null;
      const schoolId = ownCoachId
        ? await coachSchoolFor(ownCoachId, request.body.schoolId)
        : (request.body.schoolId ?? defaultSchoolId);
      const school = await db
        .selectFrom('schools')
        .select('school_id')
        .where('school_id', '=', schoolId)
        .executeTakeFirst();
      if (!school)
        throw badRequest(`school ${schoolId} does not exist`, [{ path: 'schoolId', message: 'unknown school' }]);

      const key = request.headers['idempotency-key'];
      const invitationId = key
        ? `INV-${sha256(`${claims.sub}:${key}`).slice(0, 16).toUpperCase()}`
        : `INV-${randomCode(16)}`;
      const token = invitationToken(jwtSecret, invitationId);
      const expiresAt = new Date(Date.now() + request.body.expiresInDays * 24 * 60 * 60 * 1000);
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await insertInvitation(trx, {
          invitationId,
          tokenHash: sha256(token),
          coachId,
          parentEmail: request.body.parentEmail.toLowerCase(),
          schoolId,
          sport: request.body.sport ?? null,
          expiresAt,
        });
        await request.audit(trx, { target: invitationId, outcome: 201 });
        return inserted;
      });
      return reply.status(201).send({ invitationId, invitationToken: token, expiresAt: row.expires_at.toISOString() });
    },
  );
};

export default invitationRoutes;
