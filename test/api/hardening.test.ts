import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { InjectOptions } from 'fastify';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { createDb } from '../../db';
import { migrateToLatest } from '../../db/migrate';
import { countRecordSet } from '../../db/repositories/student-records';
import { createScratchDatabase } from '../helpers/databases';
import {
  bearer,
  ONE_RECORD_SET,
  payloads,
  progress,
  startEnrollment,
  throughConsultation,
  token,
  waitForProgress,
  waitForValue,
  type Enrollment,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

/*
 * The classes of defects an outside probe found (issue 13), each through HTTP against the real stack, each checking
 * the answer and that nothing changed. A database of this file's own, so whole-table counts are this file's alone.
 */
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let stack: TestStack;
/** Steps 1–3 done: the student step is next. Every refused request below is aimed at it. */
let enrollment: Enrollment;
let baseUrl: string;

const TABLES = [
  'students',
  'enrollments',
  'invitations',
  'users',
  'tsa_student_extensions',
  'idempotency_keys',
] as const;

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const { n } = await stack.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(n);
  }
  return counts;
}

/** Runs the refusals and checks the enrollment and every table are as they were before them. */
async function changesNothing(refusals: () => Promise<void>, e: Enrollment = enrollment): Promise<void> {
  const before = { progress: await progress(stack, e), counts: await rowCounts() };
  await refusals();
  expect(await progress(stack, e)).toEqual(before.progress);
  expect(await rowCounts()).toEqual(before.counts);
}

interface ErrorBody {
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** A 400 naming the parameter or field, in `issues` and in the message. */
async function refusedNaming(request: InjectOptions, path: string): Promise<ErrorBody> {
  const res = await stack.app.inject(request);
  expect(res.statusCode, `${request.url}: ${res.body}`).toBe(400);
  const body = res.json() as ErrorBody;
  expect(body.error).toBe('invalid_request');
  expect((body.issues ?? []).map((i) => i.path)).toContain(path);
  expect(body.message).toContain(path);
  return body;
}

const ops = () => bearer(token(stack, { role: 'ops' }));
const asParent = (e: Enrollment = enrollment) => bearer(e.parentToken);
const stepUrl = (step: string | number, e: Enrollment = enrollment) =>
  `/v1/enrollments/${e.enrollmentId}/steps/${step}`;

beforeAll(async () => {
  database = await createScratchDatabase();
  const db = createDb(database.url, { max: 1 });
  await migrateToLatest(db);
  await db.destroy();
  stack = await createTestStack({ databaseUrl: database.url });
  baseUrl = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  enrollment = await startEnrollment(stack);
  await throughConsultation(stack, enrollment);
});

afterAll(async () => {
  await stack?.close();
  await database?.drop();
});

describe('hardening', () => {
  it('(1) writes the audit row of a request carrying a NUL, escaped and marked, with its request id', async () => {
    const requestId = randomUUID();
    await changesNothing(async () => {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/enrollments/%00/cancel',
        headers: { 'x-request-id': requestId },
        payload: { reason: 'x' },
      });
      expect(res.statusCode, res.body).toBe(400);
    });
    const row = await waitForValue(
      () => stack.db.selectFrom('audit_log').selectAll().where('request_id', '=', requestId).executeTakeFirst(),
      (r) => r !== undefined,
      'the audit row',
    );
    expect(row).toMatchObject({ action: 'POST /v1/enrollments/:id/cancel', actor: 'anonymous', outcome: '400' });
    expect(row!.target).toBe('\\u0000');
    expect(row!.details).toMatchObject({ escaped: ['target'] });

    // A body's enrollment id, unsigned webhook: refused, and logged.
    const webhookRequest = randomUUID();
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/webhooks/payments',
      headers: { 'x-request-id': webhookRequest, 'content-type': 'application/json' },
      payload: JSON.stringify({ enrollmentId: 'TSA\u0000', status: 'succeeded\u0000' }),
    });
    expect(res.statusCode).toBe(400);
    const webhookRow = await waitForValue(
      () => stack.db.selectFrom('audit_log').selectAll().where('request_id', '=', webhookRequest).executeTakeFirst(),
      (r) => r !== undefined,
      'the webhook audit row',
    );
    expect(webhookRow).toMatchObject({ target: 'TSA\\u0000', details: { status: 'succeeded\\u0000' } });
    expect(webhookRow!.details).toMatchObject({ escaped: expect.arrayContaining(['target', 'details.status']) });
  });

  it('(3) refuses NUL, control characters and lone surrogates in any field, naming it; stores text as NFC', async () => {
    await changesNothing(async () => {
      await refusedNaming(
        { method: 'PUT', url: stepUrl(4), headers: asParent(), payload: { ...payloads[4], firstName: 'So\u0000fia' } },
        'firstName',
      );
      await refusedNaming(
        {
          method: 'PUT',
          url: stepUrl(1),
          headers: asParent(),
          payload: { ...payloads[1], guardian: { ...payloads[1].guardian, lastName: 'Lo\u001bpez' } },
        },
        'guardian.lastName',
      );
      await refusedNaming(
        {
          method: 'PUT',
          url: stepUrl(2),
          headers: asParent(),
          payload: { ...payloads[2], sportInterests: ['soccer', 'ball\u0085'] },
        },
        'sportInterests.1',
      );
      // A lone surrogate can only arrive as a JSON escape.
      const raw = JSON.stringify(payloads[4]).replace('"Lopez"', '"Lo\\ud800pez"');
      await refusedNaming(
        {
          method: 'PUT',
          url: stepUrl(4),
          headers: { ...asParent(), 'content-type': 'application/json' },
          payload: raw,
        },
        'lastName',
      );
      // A line break is text in a multi-line field (a reason), not in a one-line one (a name).
      await refusedNaming(
        { method: 'PUT', url: stepUrl(4), headers: asParent(), payload: { ...payloads[4], firstName: 'Sofia\nAna' } },
        'firstName',
      );
      await refusedNaming({ method: 'GET', url: '/v1/ops/enrollments?coachId=c%01', headers: ops() }, 'query.coachId');
    });

    // Decomposed input ("e" + combining acute) is stored composed.
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    const res = await stack.app.inject({
      method: 'PUT',
      url: stepUrl(4, e),
      headers: asParent(e),
      payload: { ...payloads[4], firstName: 'Rene\u0301e' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const done = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    const student = await stack.db
      .selectFrom('students')
      .select('first_name')
      .where('student_unique_id', '=', done.studentRecords.studentUniqueId!)
      .executeTakeFirstOrThrow();
    expect(student.first_name).toBe('Ren\u00e9e');
  });

  it('(4) answers 50 identical concurrent step submissions without a 500, with one record set', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        stack.app.inject({ method: 'PUT', url: stepUrl(4, e), headers: asParent(e), payload: payloads[4] }),
      ),
    );
    for (const res of answers) {
      expect([200, 503], res.body).toContain(res.statusCode);
      if (res.statusCode === 503) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(answers.filter((r) => r.statusCode === 200).length).toBeGreaterThan(0);
    const done = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    expect(done.steps[3]!.status).toBe('completed');
    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
  });

  it("(5) refuses staff's malformed input with a 400 naming the parameter", async () => {
    await changesNothing(async () => {
      await refusedNaming(
        {
          method: 'POST',
          url: '/v1/invitations',
          headers: ops(),
          payload: { parentEmail: 'a@example.com', sport: 'soc\u0000cer' },
        },
        'sport',
      );
      await refusedNaming(
        {
          method: 'POST',
          url: '/v1/invitations',
          headers: ops(),
          payload: { parentEmail: 'a@example.com', coachId: 'coach\u0000' },
        },
        'coachId',
      );
      // The time part `1` is a date to JavaScript, not to PostgreSQL; in either cursor layout.
      for (const cursor of [
        Buffer.from(`1|${enrollment.enrollmentId}`).toString('base64url'),
        Buffer.from(JSON.stringify({ updatedAt: '1', enrollmentId: enrollment.enrollmentId })).toString('base64url'),
        Buffer.from(
          JSON.stringify({ updatedAt: '2026-02-30T00:00:00Z', enrollmentId: enrollment.enrollmentId }),
        ).toString('base64url'),
      ]) {
        await refusedNaming(
          { method: 'GET', url: `/v1/ops/enrollments?cursor=${cursor}`, headers: ops() },
          'query.cursor',
        );
      }
      const history = `/v1/audit/workflows/${enrollment.enrollmentId}`;
      await refusedNaming(
        { method: 'GET', url: `${history}/history.json?runId=not-a-run`, headers: ops() },
        'query.runId',
      );
      await refusedNaming({ method: 'GET', url: `${history}/history?cursor=bm9wZQ`, headers: ops() }, 'query.cursor');
      await refusedNaming(
        {
          method: 'POST',
          url: `/v1/ops/workflows/${enrollment.enrollmentId}/replay?runId=1'%20or%201=1`,
          headers: ops(),
        },
        'query.runId',
      );
    });
  });

  it('(6) refuses an Idempotency-Key reused for another request with 422 naming the key; replays the same one', async () => {
    const key = `key-${randomUUID()}`;
    const invite = (body: Record<string, unknown>, url = '/v1/invitations', method: 'POST' | 'PUT' = 'POST') =>
      stack.app.inject({ method, url, headers: { ...ops(), 'idempotency-key': key }, payload: body });
    const first = await invite({ parentEmail: 'same@example.com' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await invite({ parentEmail: 'same@example.com' });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().invitationId).toBe(first.json().invitationId);

    await changesNothing(async () => {
      for (const res of [
        await invite({ parentEmail: 'someone-else@example.com' }),
        await invite({ reason: 'the same key, another request' }, `/v1/enrollments/${enrollment.enrollmentId}/cancel`),
      ]) {
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json()).toMatchObject({
          error: 'idempotency_key_reused',
          issues: [{ path: 'headers.idempotency-key' }],
        });
        expect(res.json().message).toContain(key);
      }
    });

    // A parent's step: the same submission again is counted once; another body under the key is refused.
    const e = await startEnrollment(stack);
    const stepKey = `step-${randomUUID()}`;
    const put = (data: unknown) =>
      stack.app.inject({
        method: 'PUT',
        url: stepUrl(1, e),
        headers: { ...asParent(e), 'idempotency-key': stepKey },
        payload: data as Record<string, unknown>,
      });
    expect((await put(payloads[1])).statusCode).toBe(200);
    expect((await put(payloads[1])).statusCode).toBe(200);
    await changesNothing(async () => {
      const other = await put({ ...payloads[1], guardian: { ...payloads[1].guardian, firstName: 'Ana' } });
      expect(other.statusCode, other.body).toBe(422);
    }, e);
    // A refused request does not use up its key: corrected, it goes through.
    const badKey = `bad-${randomUUID()}`;
    const send = (data: unknown) =>
      stack.app.inject({
        method: 'PUT',
        url: stepUrl(2, e),
        headers: { ...asParent(e), 'idempotency-key': badKey },
        payload: data as Record<string, unknown>,
      });
    expect((await send({ ...payloads[2], gradeLevel: '13' })).statusCode).toBe(400);
    expect((await send(payloads[2])).statusCode).toBe(200);
  });

  it('(7) takes path and query numbers only in canonical digits', async () => {
    await changesNothing(async () => {
      for (const step of ['4.0', '0x4', '4e0', '+4', '%204', '04', '4%20']) {
        await refusedNaming(
          { method: 'PUT', url: stepUrl(step), headers: asParent(), payload: payloads[4] },
          'params.step',
        );
      }
      await refusedNaming({ method: 'GET', url: '/v1/ops/enrollments?limit=1e1', headers: ops() }, 'query.limit');
      await refusedNaming({ method: 'GET', url: '/v1/ops/enrollments?schoolId=0x1', headers: ops() }, 'query.schoolId');
    });
  });

  it('(8) sends headers that keep tokens and personal data out of caches and frames; /docs still works', async () => {
    const { invitationToken } = (
      await stack.app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: ops(),
        payload: { parentEmail: 'h@example.com' },
      })
    ).json();
    const redeemed = await stack.app.inject({ method: 'POST', url: '/v1/enrollments', payload: { invitationToken } });
    const read = await stack.app.inject({
      method: 'GET',
      url: `/v1/enrollments/${enrollment.enrollmentId}`,
      headers: asParent(),
    });
    const refused = await stack.app.inject({ method: 'GET', url: `/v1/enrollments/${enrollment.enrollmentId}` });
    for (const res of [redeemed, read, refused]) {
      expect(res.headers).toMatchObject({
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }

    // 431 comes from Node's HTTP parser, before Fastify: still the product's error body.
    const tooLarge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${baseUrl}/health`, { headers: { 'x-big': 'x'.repeat(32 * 1024) } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(tooLarge.status).toBe(431);
    expect(JSON.parse(tooLarge.body)).toEqual({ error: 'headers_too_large', message: expect.any(String) });

    // The Swagger UI renders the API's operations in a real browser, with no CSP violation.
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${baseUrl}/docs`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
      expect(await page.locator('.opblock-summary-path').allTextContents()).toContain(
        '/v1/enrollments/{id}/steps/{step}',
      );
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('(9) answers 429 with Retry-After once a budget is spent, per address and per token', async () => {
    const limited = buildApp({
      ...stack.app.services,
      rateLimits: { redemption: { perIp: 2 }, token: { perIp: 100, perToken: 2 } },
    });
    try {
      await changesNothing(async () => {
        const redeem = () =>
          limited.inject({ method: 'POST', url: '/v1/enrollments', payload: { invitationToken: 'x'.repeat(43) } });
        expect((await redeem()).statusCode).toBe(404);
        expect((await redeem()).statusCode).toBe(404);
        const third = await redeem();
        expect(third.statusCode, third.body).toBe(429);
        expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
        expect(third.json()).toMatchObject({ error: 'rate_limited' });

        const mine = asParent();
        const read = (headers: Record<string, string>) =>
          limited.inject({ method: 'GET', url: `/v1/enrollments/${enrollment.enrollmentId}`, headers });
        expect((await read(mine)).statusCode).toBe(200);
        expect((await read(mine)).statusCode).toBe(200);
        expect((await read(mine)).statusCode).toBe(429);
        // Another token from the same address has its own budget.
        expect((await read(ops())).statusCode).toBe(200);
      });
    } finally {
      await limited.close();
    }
  });

  it('(10) serves the codec to clients that send an empty namespace or no payloads', async () => {
    const codec = (path: string, payload: unknown, namespace?: string) =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/codec/${path}`,
        headers: { ...ops(), ...(namespace !== undefined ? { 'x-namespace': namespace } : {}) },
        payload: payload as Record<string, unknown>,
      });
    const encoded = await codec('encode', {}, '');
    expect(encoded.statusCode, encoded.body).toBe(200);
    expect(encoded.json()).toEqual({ payloads: [] });
    const data = Buffer.from('"hello"').toString('base64');
    const metadata = { encoding: Buffer.from('json/plain').toString('base64') };
    const sealed = (await codec('encode', { payloads: [{ metadata, data }] }, '')).json();
    const opened = await codec('decode', sealed, '');
    expect(opened.json()).toEqual({ payloads: [{ metadata, data }] });
    const other = await codec('decode', sealed, 'another-namespace');
    expect(other.statusCode).toBe(400);
    expect(other.json().error).toBe('unknown_namespace');
  });
});
