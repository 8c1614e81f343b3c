import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDocumentStore } from '../../api/services/document-store';
import { WEB_DIST } from '../../scripts/web-build';
import { startPaymentSimulator, type PaymentSimulator } from '../../simulators/payment';
import {
  bearer,
  cancelOk,
  startEnrollment,
  submitOk,
  throughConsultation,
  token,
  waitForProgress,
  waitForValue,
  type Enrollment,
} from '../helpers/enrollment';
import { payloads } from '../helpers/payloads';
import { createTestStack, type TestStack } from '../helpers/stack';

/** The API routes the web app stands on: the built pages, the document store, the checkout, OIDC staff tokens. */
describe('the web app’s API', () => {
  let stack: TestStack;
  let payments: PaymentSimulator;
  let jwks: http.Server;
  let issuer: string;
  let signWith: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const documentsDir = path.join(inject('tmpDir'), `documents-api-${process.pid}`);

  beforeAll(async () => {
    // The identity provider: a real HTTP peer publishing its discovery document and its keys.
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    signWith = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((request, response) => {
      const body =
        request.url === '/.well-known/openid-configuration'
          ? { issuer, jwks_uri: `${issuer}/keys` }
          : request.url === '/keys'
            ? { keys: [jwk] }
            : undefined;
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;

    // The webhook goes nowhere reachable here: these tests check the session the API opens, not the payment.
    payments = await startPaymentSimulator({ webhookUrl: 'http://127.0.0.1:9/', webhookSecret: 'x'.repeat(16) });
    stack = await createTestStack({
      services: {
        webRoot: WEB_DIST,
        documentsDir,
        paymentProvider: { url: payments.url },
        depositAmountCents: 30_000,
        oidc: { issuer, audience: 'tsa-api', roleClaim: 'realm_access.roles' },
      },
    });
  });

  afterAll(async () => {
    await stack?.close();
    await payments?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  describe('pages', () => {
    it('serves the app at / and at any page path, and keeps API misses as JSON 404s', async () => {
      for (const url of ['/', '/en/join/some-token', '/es/ops']) {
        const res = await stack.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(res.body).toContain('<div id="root"></div>');
        // No inline script: a Content-Security-Policy of script-src 'self' lets the app run.
        expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      }
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8'))![1]!;
      const js = await stack.app.inject({ method: 'GET', url: asset });
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
      const miss = await stack.app.inject({ method: 'GET', url: '/v1/nothing-here' });
      expect(miss.statusCode).toBe(404);
      expect(miss.json()).toMatchObject({ error: 'not_found' });
      expect((await stack.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await stack.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    });
  });

  describe('document store', () => {
    let e: Enrollment;
    beforeAll(async () => {
      e = await startEnrollment(stack);
    });
    const upload = (body: Buffer, headers: Record<string, string> = {}, who = e.parentToken, id = e.enrollmentId) =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/enrollments/${id}/documents/files`,
        headers: { ...bearer(who), 'content-type': 'application/pdf', ...headers },
        payload: body,
      });

    it('stores a file by its SHA-256 once, however often it is sent', async () => {
      const bytes = Buffer.from('%PDF-1.4 a birth certificate');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const first = await upload(bytes, { 'x-content-sha256': sha256 });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toEqual({ sha256, sizeBytes: bytes.length, contentType: 'application/pdf' });
      const again = await upload(bytes);
      expect(again.statusCode).toBe(200);
      expect(fs.readFileSync(createDocumentStore(documentsDir).pathOf(sha256))).toEqual(bytes);
      const rows = await stack.db
        .selectFrom('enrollment_documents')
        .select(['sha256', 'size_bytes'])
        .where('enrollment_id', '=', e.enrollmentId)
        .execute();
      expect(rows).toEqual([{ sha256, size_bytes: bytes.length }]);
    });

    it('refuses a damaged file, another type, an empty or too large file, and anyone but its parent', async () => {
      const before = await stack.db.selectFrom('enrollment_documents').select('sha256').execute();
      const damaged = await upload(Buffer.from('%PDF other bytes'), { 'x-content-sha256': 'a'.repeat(64) });
      expect(damaged.statusCode).toBe(400);
      expect(damaged.json().issues).toEqual([{ path: 'x-content-sha256', message: 'does not match the body' }]);
      expect((await upload(Buffer.from('hello'), { 'content-type': 'text/plain' })).statusCode).toBe(415);
      expect((await upload(Buffer.alloc(0))).statusCode).toBe(400);
      const large = await upload(Buffer.alloc(10 * 1024 * 1024 + 1));
      expect(large.statusCode).toBe(413);
      const other = await startEnrollment(stack);
      expect((await upload(Buffer.from('%PDF x'), {}, other.parentToken)).statusCode).toBe(403);
      expect((await upload(Buffer.from('%PDF x'), {}, token(stack, { role: 'ops' }))).statusCode).toBe(403);
      expect(await stack.db.selectFrom('enrollment_documents').select('sha256').execute()).toEqual(before);
    });

    it('takes as many files as step 5 can name, and none once the enrollment is cancelled', async () => {
      const f = await startEnrollment(stack);
      const send = (i: number, to = f) => upload(Buffer.from(`%PDF file ${i}`), {}, to.parentToken, to.enrollmentId);
      for (let i = 0; i < 20; i++) expect((await send(i)).statusCode).toBe(201);
      const over = await send(20);
      expect(over.statusCode, over.body).toBe(409);
      expect(over.json().error).toBe('too_many_documents');
      expect((await send(3)).statusCode).toBe(200);
      const filesOf = (id: string) =>
        stack.db.selectFrom('enrollment_documents').select('sha256').where('enrollment_id', '=', id).execute();
      expect(await filesOf(f.enrollmentId)).toHaveLength(20);

      const g = await startEnrollment(stack);
      await cancelOk(stack, g);
      await waitForValue(
        () =>
          stack.db
            .selectFrom('enrollments')
            .select('status')
            .where('enrollment_id', '=', g.enrollmentId)
            .executeTakeFirst(),
        (row) => row?.status === 'cancelled',
        'the cancelled enrollment row',
      );
      const late = await send(0, g);
      expect(late.statusCode, late.body).toBe(409);
      expect(late.json().error).toBe('enrollment_closed');
      expect(await filesOf(g.enrollmentId)).toEqual([]);
    });
  });

  describe('checkout', () => {
    it("opens the provider's checkout for the deposit and records its session as step 6's payment reference", async () => {
      const e = await startEnrollment(stack);
      await throughConsultation(stack, e);
      await submitOk(stack, e, 4);
      await submitOk(stack, e, 5, payloads[5]);
      const res = await stack.app.inject({
        method: 'POST',
        url: `/v1/enrollments/${e.enrollmentId}/payments/checkout`,
        headers: bearer(e.parentToken),
        payload: { returnPath: '/en/join/abc?checkout=done', cancelPath: '/en/join/abc?checkout=cancelled' },
      });
      expect(res.statusCode, res.body).toBe(201);
      const { checkoutUrl, paymentReference, amountCents } = res.json();
      expect(amountCents).toBe(30_000);
      expect(checkoutUrl).toBe(`${payments.url}/pay/${paymentReference}`);
      const session = payments.sessions.get(paymentReference)!;
      expect(session).toMatchObject({ client_reference_id: e.enrollmentId, amount_total: 30_000 });
      expect(session.success_url).toMatch(/^http:\/\/[^/]+\/en\/join\/abc\?checkout=done$/);
      expect(session.cancel_url).toMatch(/^http:\/\/[^/]+\/en\/join\/abc\?checkout=cancelled$/);
      await waitForProgress(stack, e, (p) => p.steps[5]!.status === 'awaiting_confirmation');
      const page = await fetch(checkoutUrl);
      expect(await page.text()).toContain('Pay 300.00 USD');
    });

    it('refuses a return address on another site and a step out of order', async () => {
      const e = await startEnrollment(stack);
      const send = (returnPath: string) =>
        stack.app.inject({
          method: 'POST',
          url: `/v1/enrollments/${e.enrollmentId}/payments/checkout`,
          headers: bearer(e.parentToken),
          payload: { returnPath },
        });
      const elsewhere = await send('//evil.example.com/x');
      expect(elsewhere.statusCode).toBe(400);
      expect(elsewhere.json().issues[0].path).toBe('returnPath');
      const early = await send('/en/join/abc');
      expect(early.statusCode).toBe(409);
      expect(early.json().error).toBe('step_out_of_order');
    });
  });

  describe('OpenID Connect staff tokens', () => {
    const oidcToken = (claims: Record<string, unknown>, options: { aud?: string; iss?: string; exp?: string } = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(options.iss ?? issuer)
        .setAudience(options.aud ?? 'tsa-api')
        .setSubject('ada@tsa.example')
        .setIssuedAt()
        .setExpirationTime(options.exp ?? '5m')
        .sign(signWith);
    const list = (t: string) =>
      stack.app.inject({ method: 'GET', url: '/v1/ops/enrollments?limit=1', headers: bearer(t) });

    it("accepts the issuer's token with the role from the configured claim", async () => {
      const res = await list(await oidcToken({ realm_access: { roles: ['offline_access', 'ops'] } }));
      expect(res.statusCode, res.body).toBe(200);
      const auditor = await list(await oidcToken({ realm_access: { roles: ['auditor'] } }));
      expect(auditor.statusCode).toBe(403);
      // The API's own development tokens keep working beside them.
      expect((await list(token(stack, { role: 'ops' }))).statusCode).toBe(200);
    });

    it('refuses another audience, another issuer, an expired token, and one without a staff role', async () => {
      const ops = { realm_access: { roles: ['ops'] } };
      const refused = [
        await oidcToken(ops, { aud: 'another-api' }),
        await oidcToken(ops, { iss: 'http://127.0.0.1:1/other' }),
        await oidcToken(ops, { exp: '-1m' }),
        await oidcToken({ realm_access: { roles: ['parent'] } }),
      ];
      const answers = await Promise.all(refused.map(list));
      expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401, 401]);
      expect(answers.map((a) => a.json().message)).toEqual([
        'invalid token',
        'invalid token',
        'token expired',
        'token has no staff role in its realm_access.roles claim',
      ]);
    });
  });
});
