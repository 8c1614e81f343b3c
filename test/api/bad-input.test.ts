import { createSigner } from 'fast-jwt';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db';
import { migrateToLatest } from '../../db/migrate';
import type { EnrollmentProgress } from '../../workflows/messages';
import { createScratchDatabase } from '../helpers/databases';
import {
  bearer,
  payloads,
  progress,
  signedPayment,
  startEnrollment,
  throughConsultation,
  token,
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, TEST_SECRETS, type TestStack } from '../helpers/stack';

/*
 * A database of this file's own, so that "no row was written" can be checked on whole tables while other test files
 * run against the shared one.
 */
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let stack: TestStack;
/** At step 4: steps 1–3 done, the consultation confirmed. */
let enrollment: Enrollment;
/** Another family's enrollment, just started. */
let other: Enrollment;
let before: { progress: EnrollmentProgress; otherProgress: EnrollmentProgress; counts: Record<string, number> };

const UNKNOWN_ID = 'TSA-ENROLL-20200101-ZZZZZZ';

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['students', 'enrollments', 'invitations', 'users', 'tsa_student_extensions'] as const) {
    const { n } = await stack.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(n);
  }
  return counts;
}

beforeAll(async () => {
  database = await createScratchDatabase();
  const db = createDb(database.url, { max: 1 });
  await migrateToLatest(db);
  await db.destroy();
  stack = await createTestStack({ databaseUrl: database.url });
  enrollment = await startEnrollment(stack);
  other = await startEnrollment(stack);
  await throughConsultation(stack, enrollment);
  before = {
    progress: await progress(stack, enrollment),
    otherProgress: await progress(stack, other),
    counts: await rowCounts(),
  };
});

afterAll(async () => {
  await stack?.close();
  await database?.drop();
});

const stepUrl = (step: number | string, id = enrollment.enrollmentId) => `/v1/enrollments/${id}/steps/${step}`;
const asParent = (e: Enrollment = enrollment) => bearer(e.parentToken);

interface ErrorBody {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** Sends the request and checks the refusal: its status and the `{ error, message, issues? }` shape of its body. */
async function refused(request: InjectOptions, status: number, error?: string): Promise<ErrorBody> {
  const res: LightMyRequestResponse = await stack.app.inject(request);
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as ErrorBody;
  expect(['error', 'message', 'issues'], res.body).toEqual(expect.arrayContaining(Object.keys(body)));
  expect(body.error).toMatch(/^[a-z_]+$/);
  expect(body.message.length).toBeGreaterThan(0);
  if (error) expect(body.error).toBe(error);
  for (const issue of body.issues ?? []) {
    expect(Object.keys(issue).sort()).toEqual(['message', 'path']);
    expect(typeof issue.path).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
  }
  return body;
}

/** A 400 that names each of these field paths, in `issues` and in the message. */
async function invalid(request: InjectOptions, paths: string[]): Promise<ErrorBody> {
  const body = await refused(request, 400, 'invalid_request');
  const named = (body.issues ?? []).map((issue) => issue.path);
  expect(named, body.message).toEqual(expect.arrayContaining(paths));
  for (const path of paths) expect(body.message).toContain(path);
  return body;
}

const putStep = (
  step: number | string,
  payload: unknown,
  headers: Record<string, string> = asParent(),
): InjectOptions => ({
  method: 'PUT',
  url: stepUrl(step),
  headers,
  payload: payload as InjectOptions['payload'],
});

describe('bad input is refused with a 4xx and changes nothing', () => {
  describe('step bodies', () => {
    it('wrong types', async () => {
      await invalid(
        putStep(1, {
          ...payloads[1],
          guardian: { ...payloads[1].guardian, email: 42, phone: 5125550142 },
        }),
        ['guardian.email', 'guardian.phone'],
      );
      await invalid(putStep(4, { ...payloads[4], hispanicLatinoEthnicity: 'yes', races: 'White' }), [
        'hispanicLatinoEthnicity',
        'races',
      ]);
      await invalid(putStep(2, { ...payloads[2], sportInterests: [7] }), ['sportInterests.0']);
      await invalid(putStep(4, ['not', 'an', 'object']), ['']);
    });

    it('missing fields', async () => {
      const { lastName: _lastName, birthDate: _birthDate, ...student } = payloads[4];
      await invalid(putStep(4, student), ['lastName', 'birthDate']);
      await invalid(putStep(1, { guardian: payloads[1].guardian }), ['address']);
      await invalid(putStep(4, {}), ['firstName', 'lastName', 'birthDate', 'sex', 'hispanicLatinoEthnicity', 'races']);
    });

    it('unknown enum values and malformed values', async () => {
      await invalid(putStep(4, { ...payloads[4], sex: 'Unknown', races: ['White', 'Martian'] }), ['sex', 'races.1']);
      await invalid(putStep(1, { ...payloads[1], guardian: { ...payloads[1].guardian, relationship: 'uncle' } }), [
        'guardian.relationship',
      ]);
      await invalid(putStep(2, { ...payloads[2], gradeLevel: '13', expectedStartDate: '2026-02-30' }), [
        'gradeLevel',
        'expectedStartDate',
      ]);
    });

    it('unknown keys, each named where it was sent', async () => {
      const { phone, ...guardian } = payloads[1].guardian;
      await invalid(putStep(1, { ...payloads[1], guardian: { ...guardian, phnoe: phone } }), [
        'guardian.phnoe',
        'guardian.phone',
      ]);
      await invalid(putStep(4, { ...payloads[4], nickname: 'Sofi' }), ['nickname']);
      const ops = bearer(token(stack, { role: 'ops' }));
      await invalid(
        { method: 'POST', url: '/v1/invitations', headers: ops, payload: { parentEmail: 'a@example.com', shool: 1 } },
        ['shool'],
      );
      await invalid({ method: 'POST', url: '/v1/enrollments', payload: { invitationToken: 'x'.repeat(43), as: 'x' } }, [
        'as',
      ]);
    });

    it('malformed JSON', async () => {
      const body = await refused(
        { ...putStep(4, '{"firstName": "Sofia",'), headers: { ...asParent(), 'content-type': 'application/json' } },
        400,
        'invalid_request',
      );
      expect(body.message).toMatch(/JSON/i);
    });

    it('an oversize body (over 64 KiB)', async () => {
      const huge = { ...payloads[4], firstName: 'x'.repeat(70 * 1024) };
      await refused(putStep(4, huge), 413, 'payload_too_large');
    });

    it('a body that is not a JSON object', async () => {
      const body = await refused(
        { ...putStep(4, 'firstName=Sofia'), headers: { ...asParent(), 'content-type': 'text/plain' } },
        400,
        'invalid_request',
      );
      expect(body.message).toMatch(/record|object/);
    });
  });

  describe('tokens', () => {
    it('no token', async () => {
      await refused({ ...putStep(4, payloads[4], {}) }, 401, 'unauthorized');
      await refused({ method: 'GET', url: `/v1/enrollments/${enrollment.enrollmentId}` }, 401, 'unauthorized');
    });

    it('an expired token', async () => {
      const sign = createSigner({ key: TEST_SECRETS.jwtSecret, algorithm: 'HS256' });
      const past = Math.floor(Date.now() / 1000) - 60;
      const expired = sign({
        role: 'parent',
        sub: `parent:${enrollment.enrollmentId}`,
        enrollmentId: enrollment.enrollmentId,
        iat: past - 3600,
        exp: past,
      });
      const body = await refused(putStep(4, payloads[4], bearer(expired)), 401, 'unauthorized');
      expect(body.message).toBe('token expired');
    });

    it('a token signed with another secret', async () => {
      const forged = createSigner({ key: 'another-secret-that-is-long-enough-0123456789', algorithm: 'HS256' })({
        role: 'parent',
        sub: `parent:${enrollment.enrollmentId}`,
        enrollmentId: enrollment.enrollmentId,
      });
      const body = await refused(putStep(4, payloads[4], bearer(forged)), 401, 'unauthorized');
      expect(body.message).toBe('invalid token');
      await refused(putStep(4, payloads[4], bearer('not-a-jwt')), 401, 'unauthorized');
    });

    it("another parent's enrollment", async () => {
      await refused(putStep(4, payloads[4], asParent(other)), 403, 'forbidden');
      await refused(
        { method: 'GET', url: `/v1/enrollments/${enrollment.enrollmentId}`, headers: asParent(other) },
        403,
        'forbidden',
      );
      await refused(
        {
          method: 'POST',
          url: `/v1/enrollments/${enrollment.enrollmentId}/cancel`,
          headers: asParent(other),
          payload: { reason: 'not mine' },
        },
        403,
        'forbidden',
      );
    });

    it('a role that may not submit steps', async () => {
      const coach = token(stack, { role: 'coach', coachId: 'coach-1' });
      await refused(putStep(4, payloads[4], bearer(coach)), 403, 'forbidden');
      const ops = token(stack, { role: 'ops' });
      await refused(putStep(4, payloads[4], bearer(ops)), 403, 'forbidden');
    });
  });

  describe('enrollment ids and steps', () => {
    it('an unknown enrollment id', async () => {
      await refused(
        { method: 'GET', url: `/v1/enrollments/${UNKNOWN_ID}`, headers: bearer(token(stack, { role: 'ops' })) },
        404,
        'not_found',
      );
      const parentOfNothing = token(stack, { role: 'parent', sub: 'parent:x', enrollmentId: UNKNOWN_ID });
      await refused({ ...putStep(4, payloads[4], bearer(parentOfNothing)), url: stepUrl(4, UNKNOWN_ID) }, 404);
      // Signals to an enrollment that does not exist: 404, not a workflow started or an error hidden.
      const asOps = bearer(token(stack, { role: 'ops' }));
      for (const [path, payload] of [
        ['consultation', { completed: true }],
        ['documents/verify', {}],
        ['cancel', { reason: 'test' }],
      ] as const) {
        await refused(
          { method: 'POST', url: `/v1/enrollments/${UNKNOWN_ID}/${path}`, headers: asOps, payload },
          404,
          'not_found',
        );
      }
    });

    it('a malformed enrollment id', async () => {
      for (const id of ['TSA-ENROLL-1', 'tsa-enroll-20260101-abc123', "x'; drop table students; --"]) {
        await invalid({ method: 'GET', url: `/v1/enrollments/${encodeURIComponent(id)}`, headers: asParent() }, [
          'params.id',
        ]);
      }
      await invalid({ ...putStep(4, payloads[4]), url: stepUrl(4, 'TSA-ENROLL-1') }, ['params.id']);
    });

    it('a step that does not exist', async () => {
      await invalid(putStep(7, payloads[4]), ['params.step']);
      await invalid(putStep(0, payloads[4]), ['params.step']);
      await invalid(putStep('four', payloads[4]), ['params.step']);
    });

    it('a step out of order', async () => {
      const body = await refused(putStep(5, payloads[5]), 409, 'step_out_of_order');
      expect(body.message).toMatch(/step 4/);
      await refused(putStep(6, payloads[6]), 409, 'step_out_of_order');
    });
  });

  describe('other messages', () => {
    it('a payment webhook with a bad signature, and for an unknown enrollment', async () => {
      const body = { enrollmentId: enrollment.enrollmentId, ...payloads[6], status: 'succeeded' };
      const forged = signedPayment(body, 'not-the-webhook-secret');
      await refused(
        { method: 'POST', url: '/v1/webhooks/payments', headers: forged.headers, payload: forged.raw },
        401,
        'bad_signature',
      );
      const unsigned = signedPayment(body);
      await refused(
        {
          method: 'POST',
          url: '/v1/webhooks/payments',
          headers: { 'content-type': 'application/json' },
          payload: unsigned.raw,
        },
        401,
        'bad_signature',
      );
      // Signed for one body, sent with another.
      const tampered = signedPayment(body);
      await refused(
        {
          method: 'POST',
          url: '/v1/webhooks/payments',
          headers: tampered.headers,
          payload: tampered.raw.replace('25000', '1'),
        },
        401,
        'bad_signature',
      );
      const unknown = signedPayment({ ...body, enrollmentId: UNKNOWN_ID });
      await refused(
        { method: 'POST', url: '/v1/webhooks/payments', headers: unknown.headers, payload: unknown.raw },
        404,
        'not_found',
      );
      const wrong = signedPayment({ ...body, amountCents: '250', status: 'pending' });
      await invalid({ method: 'POST', url: '/v1/webhooks/payments', headers: wrong.headers, payload: wrong.raw }, [
        'amountCents',
        'status',
      ]);
    });

    it('a consultation confirmation, invitation and redemption with bad bodies', async () => {
      const ops = bearer(token(stack, { role: 'ops' }));
      await invalid(
        {
          method: 'POST',
          url: `/v1/enrollments/${enrollment.enrollmentId}/consultation`,
          headers: ops,
          payload: { completed: 'yes' },
        },
        ['completed'],
      );
      await invalid(
        { method: 'POST', url: '/v1/invitations', headers: ops, payload: { parentEmail: 'not-an-email' } },
        ['parentEmail'],
      );
      await invalid(
        {
          method: 'POST',
          url: '/v1/invitations',
          headers: ops,
          payload: { parentEmail: 'a@example.com', expiresInDays: 'soon', schoolId: -1 },
        },
        ['expiresInDays', 'schoolId'],
      );
      await invalid({ method: 'POST', url: '/v1/enrollments', payload: { invitationToken: 5 } }, ['invitationToken']);
      await refused(
        { method: 'POST', url: '/v1/enrollments', payload: { invitationToken: 'x'.repeat(43) } },
        404,
        'not_found',
      );
    });
  });

  it('left the enrollment and the database exactly as they were', async () => {
    expect(await progress(stack, enrollment)).toEqual(before.progress);
    expect(await progress(stack, other)).toEqual(before.otherProgress);
    expect(await rowCounts()).toEqual(before.counts);
  });
});
