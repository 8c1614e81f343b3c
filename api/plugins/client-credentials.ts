import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { appendAuditRecord } from '../../db/repositories/audit-log';
import { findApiClient } from '../../db/repositories/api-clients';
import type { JsonObject } from '../../db/schema';
import { forbidden, HttpError } from '../errors';

/**
 * OAuth 2.0 client-credentials tokens for the standards APIs (OneRoster, Ed-Fi). They are kept apart from the
 * staff and parent JWTs: signed with a key derived from the JWT secret for this purpose alone and carrying their own
 * audience, so a parent's or an ops token never reads rosters and a client token never reaches `/v1`.
 */
export const CLIENT_TOKEN_AUDIENCE = 'tsa-standards-api';
export const CLIENT_TOKEN_TTL_SECONDS = 3600;

export interface ApiClientIdentity {
  clientId: string;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: a valid client token of a registered, unrevoked client holding one of these scopes. */
    requireClientScope(...anyOf: readonly string[]): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    signClientToken(client: ApiClientIdentity): string;
  }
  interface FastifyRequest {
    apiClient?: ApiClientIdentity;
  }
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scrypt(secret: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, so stored hashes keep their parameters when the defaults change. */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyClientSecret(secret: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected);
}

export function newClientCredentials(): { clientId: string; clientSecret: string } {
  return {
    clientId: `tsa-client-${randomBytes(8).toString('hex')}`,
    clientSecret: randomBytes(32).toString('base64url'),
  };
}

const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message);

export default fp<{ secret: string }>(
  async (app, { secret }) => {
    const key = createHmac('sha256', secret).update('tsa-standards-oauth-client-token').digest();
    const sign = createSigner({
      key,
      algorithm: 'HS256',
      aud: CLIENT_TOKEN_AUDIENCE,
      expiresIn: CLIENT_TOKEN_TTL_SECONDS * 1000,
    });
    const verify = createVerifier({ key, algorithms: ['HS256'], allowedAud: CLIENT_TOKEN_AUDIENCE });

    app.decorate('signClientToken', (client: ApiClientIdentity) =>
      sign({ sub: client.clientId, client_id: client.clientId, scope: client.scopes.join(' ') }),
    );

    app.decorate('requireClientScope', (...anyOf: readonly string[]) => async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
      if (!token) throw unauthorized('missing bearer token: get one from POST /oauth/token');
      let claims: { sub?: unknown; scope?: unknown };
      try {
        claims = verify(token);
      } catch {
        throw unauthorized('invalid or expired client token');
      }
      const clientId = typeof claims.sub === 'string' ? claims.sub : '';
      const client = await findApiClient(app.services.db, clientId);
      if (!client || client.revoked_at !== null) throw unauthorized('this client is not registered or was revoked');
      const granted = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
      // A scope taken away from the client since the token was issued no longer counts.
      const scopes = granted.filter((s) => client.scopes.includes(s));
      request.apiClient = { clientId, scopes };
      if (!anyOf.some((s) => scopes.includes(s))) throw forbidden(`this needs the scope ${anyOf.join(' or ')}`);
    });
  },
  { name: 'client-credentials' },
);

/**
 * Every read by an API client lands in the audit log with its client id, written before the answer leaves (as the
 * audit-log plugin does for writes), so a caller holding an answer finds its row.
 */
export function auditClientReads(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.apiClient || request.method !== 'GET') return payload;
    const params = (request.params ?? {}) as Record<string, string>;
    const query = (request.query ?? {}) as Record<string, unknown>;
    // Parameter names only: a filter's values may be names of people.
    const details: JsonObject = { parameters: Object.keys(query) };
    await appendAuditRecord(app.services.db, {
      actor: request.apiClient.clientId,
      role: 'api_client',
      action: `GET ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      target: params.sourcedId ?? params.id ?? params.schoolSourcedId ?? null,
      requestId: String(request.id),
      outcome: String(reply.statusCode),
      details,
    });
    return payload;
  });
}
