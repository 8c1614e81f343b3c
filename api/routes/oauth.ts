import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { findApiClient } from '../../db/repositories/api-clients';
import { CLIENT_TOKEN_TTL_SECONDS, hashClientSecret, verifyClientSecret } from '../plugins/client-credentials';

/** The hash an unknown client id is checked against (made on first use); no secret matches it. */
let unknownClientHash: Promise<string> | undefined;
const hashForUnknownClient = () => (unknownClientHash ??= hashClientSecret(randomBytes(32).toString('hex')));

interface TokenError {
  statusCode: number;
  error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type';
  message: string;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  // RFC 6749 §2.3.1: both halves are form-urlencoded before they are joined.
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/**
 * `POST /oauth/token`: OAuth 2.0 client credentials (RFC 6749 §4.4), the client authenticated with HTTP Basic.
 * Answers RFC 6749's token and error bodies (`error` plus `error_description`, and the house `message`).
 */
const oauthRoutes: FastifyPluginAsync = async (app) => {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  app.post('/oauth/token', { schema: { hide: true } }, async (request, reply) => {
    const refuse = ({ statusCode, error, message }: TokenError) => {
      if (statusCode === 401) reply.header('www-authenticate', 'Basic realm="tsa-standards-api"');
      return reply
        .status(statusCode)
        .header('cache-control', 'no-store')
        .send({ error, error_description: message, message });
    };
    const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
    if (body.grant_type !== 'client_credentials') {
      return refuse({
        statusCode: 400,
        error: 'unsupported_grant_type',
        message: 'grant_type must be client_credentials',
      });
    }
    const credentials = basicCredentials(request.headers.authorization);
    if (!credentials) {
      return refuse({
        statusCode: 401,
        error: 'invalid_client',
        message: 'send the client id and secret with HTTP Basic',
      });
    }
    const client = await findApiClient(app.services.db, credentials.id);
    // An unknown id costs the same KDF as a known one: the answer's time does not tell which ids exist.
    const valid = await verifyClientSecret(credentials.secret, client?.secret_hash ?? (await hashForUnknownClient()));
    request.auditContext.actor = credentials.id.slice(0, 100);
    request.auditContext.role = 'api_client';
    if (!client || !valid || client.revoked_at !== null) {
      return refuse({
        statusCode: 401,
        error: 'invalid_client',
        message: 'unknown client, wrong secret or revoked client',
      });
    }
    const requested = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : client.scopes;
    const notAllowed = requested.filter((s) => !client.scopes.includes(s));
    if (notAllowed.length > 0 || requested.length === 0) {
      return refuse({
        statusCode: 400,
        error: 'invalid_scope',
        message: `this client may not have ${notAllowed.join(' ') || 'an empty scope'}; it holds ${client.scopes.join(' ')}`,
      });
    }
    const scopes = [...new Set(requested)];
    return reply.header('cache-control', 'no-store').send({
      access_token: app.signClientToken({ clientId: client.client_id, scopes }),
      token_type: 'bearer',
      expires_in: CLIENT_TOKEN_TTL_SECONDS,
      scope: scopes.join(' '),
    });
  });
};

export default oauthRoutes;
