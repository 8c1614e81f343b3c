import http from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { freePort } from './ports';

/** The staff accounts at the test's identity provider: a username and the roles its access tokens carry. */
export const OIDC_ACCOUNTS: Record<string, string[]> = {
  'alice.ops': ['offline_access', 'ops'],
  'bob.auditor': ['auditor'],
  'carol.visitor': [],
};

export interface OidcProviderPeer {
  issuer: string;
  clientId: string;
  /** The API's resource indicator: the `aud` of the JWT access tokens the provider issues for it. */
  resource: string;
  close(): Promise<void>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The provider's own pages: plain HTML, nothing fetched from elsewhere (its development pages load web fonts). */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

async function formBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

/**
 * panva's `oidc-provider` (OpenID Certified) as the staff's identity provider, a real HTTP peer on a free port: one
 * public client (the web app, PKCE, its `/en` and `/es` callbacks), JWT access tokens for the API's resource
 * indicator with a `roles` claim, RP-initiated logout, and minimal login and consent steps of its own: a username
 * form, then every requested scope granted.
 */
export async function startOidcProvider(options: { appOrigin: string; resource: string }): Promise<OidcProviderPeer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'tsa-web';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: ['en', 'es'].map((locale) => `${options.appOrigin}/${locale}/sign-in/callback`),
        post_logout_redirect_uris: ['en', 'es'].map((locale) => `${options.appOrigin}/${locale}/sign-in`),
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-oidc-cookie-key'] },
    pkce: { required: () => true },
    findAccount: (_ctx, sub) =>
      sub in OIDC_ACCOUNTS ? { accountId: sub, claims: () => ({ sub, preferred_username: sub }) } : undefined,
    extraTokenClaims: (_ctx, token) =>
      token.kind === 'AccessToken' && token.accountId ? { roles: OIDC_ACCOUNTS[token.accountId] ?? [] } : undefined,
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== options.resource) throw new errors.InvalidTarget();
          return { scope: 'staff', audience: options.resource, accessTokenFormat: 'jwt', accessTokenTTL: 3600 };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContextWithOIDC, form: string) => {
          ctx.body = page(
            'Sign out of the test provider?',
            `${form}<button form="op.logoutForm" name="logout" value="yes" type="submit">Yes, sign me out</button>`,
          );
        },
      },
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<pre>${escape(JSON.stringify(out))}</pre>`);
    },
  });

  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/interaction/')) return next();
    const interaction = await provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.prompt.name === 'login') {
      const body = ctx.method === 'POST' ? await formBody(ctx.req) : undefined;
      const username = body?.get('username') ?? '';
      if (!body || !(username in OIDC_ACCOUNTS)) {
        ctx.type = 'html';
        ctx.body = page(
          'Test provider sign-in',
          `${body ? '<p role="alert">Unknown username.</p>' : ''}<form method="post" action="${ctx.path}">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username" required>
<button type="submit">Sign in</button></form>`,
        );
        return;
      }
      ctx.status = 303;
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: username } }));
      return;
    }
    // Consent: every scope and the resource the client asked for, without a question.
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = interaction.grantId
      ? (await provider.Grant.find(interaction.grantId))!
      : new provider.Grant({
          accountId: interaction.session!.accountId,
          clientId: interaction.params.client_id as string,
        });
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    ctx.status = 303;
    ctx.redirect(
      await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }),
    );
  });

  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    clientId,
    resource: options.resource,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
