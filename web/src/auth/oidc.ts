import * as oauth from 'oauth4webapi';
import type { Answer } from '../api/client';

/** What `GET /v1/web/config` says about the OpenID Connect provider staff sign in at (null: paste a token). */
export type OidcConfig = NonNullable<Answer<'/v1/web/config', 'get'>['oidc']>;

/** The verifier, state and nonce of the sign-in under way: in this tab only, gone once the callback reads them. */
const PENDING_KEY = 'tsa.oidc.pending';
/** The ID token of the current sign-in and where the provider ends its session: for signing out there too. */
const PROVIDER_SESSION_KEY = 'tsa.oidc.session';

interface Pending {
  codeVerifier: string;
  state: string;
  nonce: string;
}

export interface ProviderSession {
  idToken: string;
  endSessionEndpoint: string;
  clientId: string;
}

/** Plain HTTP only to an issuer on this machine (development and the tests); oauth4webapi refuses it otherwise. */
function insecureAllowed(issuer: URL): boolean {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

async function discover(config: OidcConfig): Promise<{ as: oauth.AuthorizationServer; insecure: boolean }> {
  const issuer = new URL(config.issuer);
  const insecure = insecureAllowed(issuer);
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: insecure });
  return { as: await oauth.processDiscoveryResponse(issuer, response), insecure };
}

/** The callback of the page's language: both are registered at the provider as redirect URIs. */
export const redirectUri = (locale: string) => `${window.location.origin}/${locale}/sign-in/callback`;

/**
 * Sends the browser to the provider's login: the authorization code flow with PKCE (S256), a fresh state and nonce,
 * and the API as the resource indicator, so the access token is a JWT whose audience the API checks.
 */
export async function startSignIn(config: OidcConfig, locale: string): Promise<void> {
  const { as } = await discover(config);
  if (!as.authorization_endpoint) throw new Error('the provider publishes no authorization_endpoint');
  const pending: Pending = {
    codeVerifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
  };
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: redirectUri(locale),
    response_type: 'code',
    scope: config.scopes,
    resource: config.resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    ui_locales: locale,
  }).toString();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(url);
}

/**
 * The provider sent the browser back: checks the state, trades the code (with the PKCE verifier) for tokens, checks
 * the ID token's nonce, issuer and audience, keeps the ID token for signing out at the provider, and returns the
 * access token (for the API to say who it is). Throws when any of that fails; the pending sign-in is spent either way.
 */
export async function finishSignIn(config: OidcConfig, locale: string, callbackUrl: URL): Promise<string> {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!raw) throw new Error('no sign-in under way in this tab');
  const pending = JSON.parse(raw) as Pending;
  const { as, insecure } = await discover(config);
  const client: oauth.Client = { client_id: config.clientId };
  const params = oauth.validateAuthResponse(as, client, callbackUrl, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(locale),
    pending.codeVerifier,
    { additionalParameters: { resource: config.resource }, [oauth.allowInsecureRequests]: insecure },
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  if (as.end_session_endpoint && tokens.id_token) {
    const session: ProviderSession = {
      idToken: tokens.id_token,
      endSessionEndpoint: as.end_session_endpoint,
      clientId: config.clientId,
    };
    localStorage.setItem(PROVIDER_SESSION_KEY, JSON.stringify(session));
  }
  return tokens.access_token;
}

/** Forgets a sign-in under way in this tab (its verifier, state and nonce). */
export function forgetPendingSignIn(): void {
  sessionStorage.removeItem(PENDING_KEY);
}

/**
 * Forgets the provider's ID token; returns where the provider's own session can be ended (RP-initiated logout, back
 * to the sign-in page), when the provider has such an endpoint.
 */
export function endProviderSession(locale: string): URL | undefined {
  const raw = localStorage.getItem(PROVIDER_SESSION_KEY);
  localStorage.removeItem(PROVIDER_SESSION_KEY);
  if (!raw) return undefined;
  const session = JSON.parse(raw) as Partial<ProviderSession>;
  if (!session.endSessionEndpoint || !session.idToken) return undefined;
  const url = new URL(session.endSessionEndpoint);
  if (session.clientId) url.searchParams.set('client_id', session.clientId);
  url.searchParams.set('id_token_hint', session.idToken);
  url.searchParams.set('post_logout_redirect_uri', `${window.location.origin}/${locale}/sign-in`);
  url.searchParams.set('ui_locales', locale);
  return url;
}
