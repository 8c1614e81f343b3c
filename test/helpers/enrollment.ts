import { createHmac, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { EnrollmentProgress } from '../../workflows/messages';
import { payloads } from './payloads';
import { TEST_SECRETS, type TestStack } from './stack';

export { payloads };

export function token(
  stack: TestStack,
  claims: { role: 'ops' | 'auditor' | 'coach' | 'parent'; sub?: string; coachId?: string; enrollmentId?: string },
  expiresIn?: string,
): string {
  return stack.app.signToken({ sub: claims.sub ?? `test-${claims.role}`, ...claims }, expiresIn);
}

export const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

export async function createInvitation(
  stack: TestStack,
  body: Record<string, unknown> = {},
  asToken = token(stack, { role: 'ops' }),
): Promise<{ invitationId: string; invitationToken: string; expiresAt: string }> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/v1/invitations',
    headers: bearer(asToken),
    payload: { parentEmail: `parent-${randomUUID()}@example.com`, ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export async function redeem(stack: TestStack, invitationToken: string) {
  const res = await stack.app.inject({ method: 'POST', url: '/v1/enrollments', payload: { invitationToken } });
  return res;
}

export interface Enrollment {
  enrollmentId: string;
  parentToken: string;
}

export async function startEnrollment(stack: TestStack, invitation: Record<string, unknown> = {}): Promise<Enrollment> {
  const { invitationToken } = await createInvitation(stack, invitation);
  const res = await redeem(stack, invitationToken);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

export function submitStep(stack: TestStack, e: Enrollment, step: number, data: unknown = payloads[step as 1]) {
  return stack.app.inject({
    method: 'PUT',
    url: `/v1/enrollments/${e.enrollmentId}/steps/${step}`,
    headers: bearer(e.parentToken),
    payload: data as Record<string, unknown>,
  });
}

export async function submitOk(
  stack: TestStack,
  e: Enrollment,
  step: number,
  data?: unknown,
): Promise<EnrollmentProgress> {
  const res = await submitStep(stack, e, step, data ?? payloads[step as 1]);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

export async function confirmConsultation(stack: TestStack, e: Enrollment) {
  const res = await stack.app.inject({
    method: 'POST',
    url: `/v1/enrollments/${e.enrollmentId}/consultation`,
    headers: bearer(token(stack, { role: 'ops' })),
    payload: { completed: true, notes: 'great fit' },
  });
  expect(res.statusCode, res.body).toBe(202);
}

export function signedPayment(body: Record<string, unknown>, secret = TEST_SECRETS.paymentWebhookSecret) {
  const raw = JSON.stringify(body);
  const signature = createHmac('sha256', secret).update(raw).digest('hex');
  return { raw, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${signature}` } };
}

export async function confirmPayment(stack: TestStack, e: Enrollment, status: 'succeeded' | 'failed' = 'succeeded') {
  const { raw, headers } = signedPayment({ enrollmentId: e.enrollmentId, ...payloads[6], status });
  const res = await stack.app.inject({ method: 'POST', url: '/v1/webhooks/payments', headers, payload: raw });
  expect(res.statusCode, res.body).toBe(202);
}

/** The parent cancels; the API accepts it (202). */
export async function cancelOk(stack: TestStack, e: Enrollment, reason = 'changed our minds') {
  const res = await stack.app.inject({
    method: 'POST',
    url: `/v1/enrollments/${e.enrollmentId}/cancel`,
    headers: bearer(e.parentToken),
    payload: { reason },
  });
  expect(res.statusCode, res.body).toBe(202);
}

export async function progress(stack: TestStack, e: Enrollment): Promise<EnrollmentProgress> {
  const res = await stack.app.inject({
    method: 'GET',
    url: `/v1/enrollments/${e.enrollmentId}`,
    headers: bearer(e.parentToken),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Polls the progress query until the predicate holds: waits on the workflow's own answer, never on a sleep. */
export async function waitForProgress(
  stack: TestStack,
  e: Enrollment,
  predicate: (p: EnrollmentProgress) => boolean,
  timeoutMs = 30_000,
): Promise<EnrollmentProgress> {
  const deadline = Date.now() + timeoutMs;
  let last: EnrollmentProgress | undefined;
  while (Date.now() < deadline) {
    last = await stack.client.workflow.getHandle(e.enrollmentId).query<EnrollmentProgress>('progress');
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`progress never matched; last: ${JSON.stringify(last)}`);
}

/** Steps 1–3 (with the coach's confirmation): the enrollment is ready for the student step. */
export async function throughConsultation(stack: TestStack, e: Enrollment): Promise<void> {
  await submitOk(stack, e, 1);
  await submitOk(stack, e, 2);
  await submitOk(stack, e, 3);
  await confirmConsultation(stack, e);
  await waitForProgress(stack, e, (p) => p.steps[2]!.status === 'completed');
}

/**
 * An enrollment with all six steps done and paid whose student records failed for a data reason (a birth date after
 * school entry): enrolled, and waiting for an operator's retry.
 */
export async function enrolledWithFailedRecords(stack: TestStack): Promise<Enrollment> {
  const e = await startEnrollment(stack);
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4, { ...payloads[4], birthDate: '2099-01-01' });
  await waitForProgress(stack, e, (p) => p.studentRecords.status === 'failed');
  await submitOk(stack, e, 5);
  await submitOk(stack, e, 6);
  await confirmPayment(stack, e);
  await waitForProgress(stack, e, (p) => p.status === 'enrolled');
  return e;
}

/** `countRecordSet` of an enrollment with exactly one student record set, every part of it present. */
export const ONE_RECORD_SET = { students: 1, seoa: 1, ssa: 1, extensions: 1, studentUsers: 1 } as const;

/**
 * Reads until the predicate holds, for what the workflow writes after it answers (the `enrollments` projection, a
 * corrected record set): waits on the database's own answer, never on a fixed sleep.
 */
export async function waitForValue<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} never matched; last: ${JSON.stringify(last)}`);
}

/** Step 1 with a guardian e-mail of its own, so the guardian's OneRoster user links to this enrollment's student only. */
export function guardianStep(email = `maria.lopez+${randomUUID()}@example.com`) {
  return { ...payloads[1], guardian: { ...payloads[1].guardian, email } };
}
