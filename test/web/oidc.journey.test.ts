/// <reference lib="dom" />
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../scripts/web-build';
import { checkPage, launchBrowser, refusedByPolicy, type Browser } from '../helpers/browser';
import { createInvitation, enrolledWithFailedRecords, type Enrollment } from '../helpers/enrollment';
import { startOidcProvider, type OidcProviderPeer } from '../helpers/oidc-provider';
import { freePort } from '../helpers/ports';
import { createTimeline } from '../helpers/timeline';
import { createTestStack, type TestStack } from '../helpers/stack';

/**
 * Staff sign-in through OpenID Connect in Chromium: the web app sends the browser to a real provider (panva's
 * `oidc-provider` on a port of its own), the user signs in on the provider's page, and the app comes back with a
 * JWT access token for the API (authorization code with PKCE, state and nonce checked) and lands on the page for the
 * role in the token. The API serves the ops console with that token and writes the provider's subject to the audit
 * log.
 */
const JOURNEY_TIMEOUT_MS = 300_000;
const PROVIDER_NAME = 'TSA Staff ID';

describe('staff sign-in with OpenID Connect', () => {
  let stack: TestStack;
  let provider: OidcProviderPeer;
  let browser: Browser;
  let base: string;
  let failed: Enrollment;
  let timeline: { timelineId: string };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ appOrigin: base, resource: `${base}/v1` });
    stack = await createTestStack({
      services: {
        webRoot: WEB_DIST,
        oidc: {
          issuer: provider.issuer,
          audience: provider.resource,
          roleClaim: 'roles',
          signIn: { clientId: provider.clientId, scopes: 'openid', providerName: PROVIDER_NAME },
        },
      },
    });
    await stack.app.listen({ host: '127.0.0.1', port });
    browser = await launchBrowser();
    // Only this machine: nothing either site shows may reach further.
    await browser.context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
    failed = await enrolledWithFailedRecords(stack);
    timeline = await createTimeline(stack.app);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await provider?.close();
  });

  // Each test starts signed out of the provider as well.
  beforeEach(async () => {
    await browser.context.clearCookies();
  });

  const storedToken = (page: Page) => page.evaluate(() => localStorage.getItem('tsa.staff.token'));
  /** What the app keeps in this browser's storage. */
  const credentials = (page: Page) => page.evaluate(() => ({ ...localStorage, ...sessionStorage }));

  /** From the app's sign-in page to the provider's login form, where the user types a username. */
  async function signInAtProvider(page: Page, username: string, locale: 'en' | 'es' = 'en') {
    const button = locale === 'en' ? `Sign in with ${PROVIDER_NAME}` : `Iniciar sesión con ${PROVIDER_NAME}`;
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.getByLabel('Username').fill(username);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('tells the browser where to sign in, and serves the pages with a policy that lets them reach the provider', async () => {
    const config = await stack.app.inject({ method: 'GET', url: '/v1/web/config' });
    expect(config.json().oidc).toEqual({
      issuer: provider.issuer,
      clientId: 'tsa-web',
      scopes: 'openid',
      resource: `${base}/v1`,
      providerName: PROVIDER_NAME,
    });
    const pageAnswer = await stack.app.inject({ method: 'GET', url: '/en/sign-in' });
    const csp = String(pageAnswer.headers['content-security-policy']);
    expect(csp).toContain(`connect-src 'self' ${provider.issuer}`);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe');
    // The API's own answers keep the locked-down policy.
    expect(config.headers['content-security-policy']).toContain("default-src 'none'");

    // Under that policy (every browser test enforces it), the page runs and reaches the provider.
    const page = await browser.context.newPage();
    await page.goto(`${base}/en/sign-in`);
    await page.getByRole('button', { name: `Sign in with ${PROVIDER_NAME}` }).click();
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.getByLabel('Username').waitFor();
    expect(refusedByPolicy(page)).toEqual([]);
    await page.close();
  });

  it(
    'signs ops in at the provider, lands on the ops console with data the API served, audit-logs the subject, signs out of both',
    async () => {
      const page = await browser.context.newPage();
      await page.goto(`${base}/en/sign-in`);
      await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
      await page.getByRole('button', { name: `Sign in with ${PROVIDER_NAME}` }).waitFor();
      // The pasted-token form stays for development.
      expect(await page.getByLabel('Access token').count()).toBe(1);
      await checkPage(page, 'oidc-sign-in');

      await signInAtProvider(page, 'alice.ops');
      await page.waitForURL(`${base}/en/ops`);
      await page.getByRole('heading', { name: 'Failed student records' }).waitFor();
      const card = page.locator('li.card', { has: page.getByRole('heading', { name: failed.enrollmentId }) });
      await card.waitFor();
      await checkPage(page, 'oidc-ops-signed-in');

      // What the browser keeps is the provider's JWT access token for the API, not the ID token.
      const accessToken = (await storedToken(page))!;
      expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
      expect(decodeJwt(accessToken)).toMatchObject({
        iss: provider.issuer,
        aud: `${base}/v1`,
        sub: 'alice.ops',
        client_id: 'tsa-web',
        roles: ['offline_access', 'ops'],
      });
      // The code and state are gone from the address bar and from the tab.
      expect(page.url()).toBe(`${base}/en/ops`);
      expect(await page.evaluate(() => sessionStorage.getItem('tsa.oidc.pending'))).toBeNull();

      // A retry goes out with that token; the audit log names the provider's subject.
      await card.getByRole('button', { name: 'Retry with corrections' }).click();
      await card.getByRole('button', { name: 'Retry', exact: true }).click();
      await page.getByText(`Retry sent for ${failed.enrollmentId}.`).waitFor();
      const audited = await stack.db
        .selectFrom('audit_log')
        .select(['actor', 'role', 'action', 'outcome'])
        .where('target', '=', failed.enrollmentId)
        .where('action', '=', 'POST /v1/ops/enrollments/:id/student-records/retry')
        .execute();
      expect(audited).toEqual([{ actor: 'alice.ops', role: 'ops', action: expect.any(String), outcome: '202' }]);

      // The sign-in page names who the API says is signed in.
      await page.goto(`${base}/en/sign-in`);
      await page.getByText('You are signed in as alice.ops (ops).').waitFor();
      // "Sign out" in the header forgets every credential of the app here (a coach session kept in the same browser
      // too), at once hides the staff pages, and offers the provider's own sign-out, which comes back to sign-in.
      await page.goto(`${base}/en/ops`);
      await page.evaluate(() => localStorage.setItem('tsa.coach.session', '{"coachId":"c","token":"t"}'));
      expect(Object.keys(await credentials(page)).sort()).toEqual([
        'tsa.coach.session',
        'tsa.oidc.session',
        'tsa.staff.token',
      ]);
      const staffNav = page.getByRole('navigation', { name: 'Staff' });
      await staffNav.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Signed out' }).waitFor();
      expect(page.url()).toBe(`${base}/en/sign-in`);
      expect(await credentials(page)).toEqual({});
      expect(await staffNav.count()).toBe(0);
      await checkPage(page, 'oidc-signed-out');
      await page.getByRole('link', { name: `Also sign out of ${PROVIDER_NAME}` }).click();
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL(`${base}/en/sign-in`);
      await page.getByRole('button', { name: `Sign in with ${PROVIDER_NAME}` }).click();
      // The provider's session ended: it asks who is signing in again.
      await page.getByLabel('Username').waitFor();
      await page.close();
    },
    JOURNEY_TIMEOUT_MS,
  );

  it(
    'lands an auditor on the audit page, in Spanish through the Spanish callback; the board and a pasted token know the role',
    async () => {
      const page = await browser.context.newPage();
      await page.goto(`${base}/es/sign-in`);
      await signInAtProvider(page, 'bob.auditor', 'es');
      await page.waitForURL(`${base}/es/audit`);
      await page.getByRole('heading', { name: 'Registro de auditoría' }).waitFor();
      // The audit log, read with the provider's token: the enrollment set up for these tests is in it.
      await page.getByRole('cell', { name: failed.enrollmentId }).first().waitFor();
      const accessToken = (await storedToken(page))!;
      // The role is in the provider's `roles` claim, not a `role` of the API's own tokens.
      expect(decodeJwt(accessToken)).toMatchObject({ sub: 'bob.auditor', roles: ['auditor'] });
      expect(decodeJwt(accessToken).role).toBeUndefined();
      await checkPage(page, 'oidc-audit-signed-in-es');

      // A coach's timeline board, read with that token: the API says it is an auditor's, so nothing offers a change.
      await page.goto(`${base}/en/coach/timelines/${timeline.timelineId}`);
      await page.getByRole('heading', { level: 1, name: 'Riverside Soccer Academy' }).waitFor();
      await page.getByText('You can read this timeline; only its coach and ops staff change it.').waitFor();
      expect(await page.locator('main').getByRole('button').count()).toBe(0);

      // Signed out, the same token pasted at the sign-in page lands on the audit page too.
      await page.getByRole('navigation', { name: 'Staff' }).getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Signed out' }).waitFor();
      await page.getByRole('link', { name: 'Back to sign-in' }).click();
      await page.getByLabel('Access token').fill(accessToken);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${base}/en/audit`);
      await page.getByRole('heading', { name: 'Audit', exact: true }).waitFor();
      await page.close();
    },
    JOURNEY_TIMEOUT_MS,
  );

  it(
    'refuses an account without a staff role, and a callback whose state or nonce is not the one sent',
    async () => {
      const page = await browser.context.newPage();
      await page.goto(`${base}/en/sign-in`);
      await signInAtProvider(page, 'carol.visitor');
      await page.waitForURL(`${base}/en/sign-in/callback?**`);
      await page.getByText('this app does not accept that account').waitFor();
      expect(await storedToken(page)).toBeNull();
      await checkPage(page, 'oidc-callback-refused');

      // The tab's pending sign-in is changed before the app reads it on the way back: nothing is kept either time.
      for (const forged of ['state', 'nonce'] as const) {
        const tampered = await browser.context.newPage();
        await tampered.addInitScript((field) => {
          const raw = location.pathname.endsWith('/sign-in/callback') && sessionStorage.getItem('tsa.oidc.pending');
          if (raw)
            sessionStorage.setItem('tsa.oidc.pending', JSON.stringify({ ...JSON.parse(raw), [field]: 'forged' }));
        }, forged);
        await tampered.context().clearCookies();
        await tampered.goto(`${base}/en/sign-in`);
        await signInAtProvider(tampered, 'alice.ops');
        await tampered.waitForURL(`${base}/en/sign-in/callback?**`);
        await tampered.getByText('The sign-in did not complete. Please start again.').waitFor();
        expect(await storedToken(tampered), forged).toBeNull();
        await tampered.close();
      }
      await page.close();
    },
    JOURNEY_TIMEOUT_MS,
  );

  it(
    'shows a parent on the Spanish pages the API’s field error in Spanish, under its field',
    async () => {
      const { invitationToken } = await createInvitation(stack);
      const page = await browser.context.newPage();
      await page.goto(`${base}/es/join/${invitationToken}`);
      await page.getByRole('heading', { name: 'Padre, madre o tutor' }).waitFor();
      const fill = (label: string, value: string) => page.getByLabel(label, { exact: true }).fill(value);
      await fill('Nombre', 'María');
      await fill('Apellido', 'López');
      await fill('Correo electrónico', 'maria.lopez+es@example.com');
      await fill('Teléfono', '12');
      await page.getByLabel('Relación con el estudiante').selectOption('mother');
      await fill('Dirección', '100 Congress Ave');
      await fill('Ciudad', 'Austin');
      await fill('Estado (dos letras, p. ej. TX)', 'TX');
      await fill('Código postal', '78701');
      await page.getByRole('button', { name: 'Guardar y continuar' }).click();
      const error = page.locator('#f-guardian-phone-error');
      await error.waitFor();
      expect(await error.textContent()).toBe(
        'debe ser un número de teléfono: de 7 a 20 dígitos, espacios, +, - o paréntesis, con al menos 7 dígitos',
      );
      expect(await page.getByLabel('Teléfono', { exact: true }).getAttribute('aria-describedby')).toBe(
        'f-guardian-phone-error',
      );
      await checkPage(page, 'parent-1-field-error-es');
      await page.close();
    },
    JOURNEY_TIMEOUT_MS,
  );
});
