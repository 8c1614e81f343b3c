import fastifyJwt from '@fastify/jwt';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { forbidden, HttpError } from '../shared/errors';
import { createOidcVerifier, OidcTokenError, type OidcOptions } from './oidc';

export const ROLES = ['parent', 'coach', 'ops', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** The claims every token carries: a role, a subject, and the scope for parents (one enrollment) and coaches. */
export const tokenClaimsSchema = z.object({
  role: z.enum(ROLES),
  sub: z.string().min(1),
  enrollmentId: z.string().optional(),
  coachId: z.string().optional(),
});
export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: a valid bearer token with one of these roles, else 401 (no/bad token) or 403 (wrong role). */
    requireRole(...roles: Role[]): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    signToken(claims: TokenClaims, expiresIn?: string): string;
  }
}

/** The API's own tokens are HS256; anything else is for the OpenID Connect issuer, when one is configured. */
function isLocalToken(authorization: string): boolean {
  try {
    return decodeProtectedHeader(authorization.replace(/^Bearer\s+/i, '')).alg === 'HS256';
  } catch {
    return true;
  }
}

export default fp<{ secret: string; oidc?: OidcOptions }>(
  async (app, { secret, oidc }) => {
    const verifyOidc = oidc ? createOidcVerifier(oidc) : undefined;
    await app.register(fastifyJwt, {
      secret,
      sign: { algorithm: 'HS256', expiresIn: '12h' },
      verify: { algorithms: ['HS256'] },
    });

    app.decorate('signToken', (claims: TokenClaims, expiresIn?: string) =>
      app.jwt.sign(claims, expiresIn ? { expiresIn } : {}),
    );

    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      if (!request.headers.authorization) {
        throw new HttpError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
      }
      let claims: unknown;
      if (verifyOidc && !isLocalToken(request.headers.authorization)) {
        try {
          claims = await verifyOidc(request.headers.authorization.replace(/^Bearer\s+/i, ''));
        } catch (err) {
          throw new HttpError(401, 'unauthorized', err instanceof OidcTokenError ? err.message : 'invalid token');
        }
      } else {
        try {
          claims = await request.jwtVerify();
        } catch (err) {
          const expired = (err as { code?: string }).code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
          throw new HttpError(401, 'unauthorized', expired ? 'token expired' : 'invalid token');
        }
      }
      const parsed = tokenClaimsSchema.safeParse(claims);
      if (!parsed.success) throw new HttpError(401, 'unauthorized', 'token has no valid role claim');
      request.user = parsed.data;
      if (!roles.includes(parsed.data.role)) throw forbidden(`role ${parsed.data.role} may not do this`);
    });
  },
  { name: 'auth' },
);
