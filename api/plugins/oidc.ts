import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { TokenClaims } from './auth';

/** Staff roles an identity provider may grant; parents never sign in there (their token comes with the invitation). */
const STAFF_ROLES = ['ops', 'auditor', 'coach'] as const;

export interface OidcOptions {
  /** The issuer (`iss`) tokens must name, e.g. https://login.example.com/realms/tsa. */
  issuer: string;
  /** The audience (`aud`) tokens must name: this API's client id at the issuer. */
  audience: string;
  /** The issuer's JWKS; found through `{issuer}/.well-known/openid-configuration` when absent. */
  jwksUrl?: string;
  /** The claim holding the role, a string or an array, dotted for nested claims (`realm_access.roles`). */
  roleClaim: string;
  /**
   * The web app's sign-in at the issuer (authorization code with PKCE, in the browser): its public client id, the
   * scopes it asks for, and the name on its button. Without it staff paste a token.
   */
  signIn?: { clientId: string; scopes: string; providerName: string };
}

export class OidcTokenError extends Error {}

function claimAt(payload: JWTPayload, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], payload);
}

/**
 * Verifies a token from the issuer against its published keys (fetched and cached by jose, refetched when a token
 * names an unknown key) and maps it to this API's claims: the subject, and the first staff role the role claim holds.
 */
export function createOidcVerifier(options: OidcOptions): (token: string) => Promise<TokenClaims> {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = async () => {
    if (jwks) return jwks;
    let url = options.jwksUrl;
    if (!url) {
      const discovery = await fetch(
        new URL('.well-known/openid-configuration', `${options.issuer.replace(/\/$/, '')}/`),
      );
      const parsed = z.object({ jwks_uri: z.url() }).safeParse(await discovery.json().catch(() => ({})));
      if (!parsed.success) throw new OidcTokenError('the issuer publishes no jwks_uri');
      url = parsed.data.jwks_uri;
    }
    jwks = createRemoteJWKSet(new URL(url));
    return jwks;
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keys(), { issuer: options.issuer, audience: options.audience }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new OidcTokenError('token expired');
      if (err instanceof OidcTokenError) throw err;
      throw new OidcTokenError('invalid token');
    }
    const claim = claimAt(payload, options.roleClaim);
    const granted = (Array.isArray(claim) ? claim : [claim]).filter((v): v is string => typeof v === 'string');
    const role = STAFF_ROLES.find((r) => granted.includes(r));
    if (!role || !payload.sub) throw new OidcTokenError(`token has no staff role in its ${options.roleClaim} claim`);
    return { role, sub: payload.sub, ...(role === 'coach' ? { coachId: payload.sub } : {}) };
  };
}
