import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import fastifyHelmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * Response headers for an API that answers JSON with tokens and personal data: nothing may be cached, sniffed as
 * another type, framed, or leak the URL in a Referer. The Swagger UI at `/docs` sets its own, looser policy for its
 * pages (its scripts and styles), see `swaggerUiCsp`.
 */
export default fp(
  async (app) => {
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      // The Temporal Web UI calls the codec endpoints from its own origin (CORS).
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    });
    // Every answer but the documentation is for one caller: a token (redemption, sign-up), personal data, or what a
    // role may see.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!request.url.startsWith('/docs')) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'security-headers' },
);

/**
 * The Swagger UI's own CSP (`@fastify/swagger-ui`'s hashes for its scripts), with two changes: its React code sets
 * inline styles, which need `'unsafe-inline'` for styles (scripts stay locked to the hashes), and
 * `upgrade-insecure-requests` would break it on the local stack's plain HTTP.
 */
export const swaggerUiCsp = (header: string) =>
  header.replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'").replace(/\s*upgrade-insecure-requests;?/, '');

const ERRORS: Record<number, [code: string, message: string]> = {
  400: ['invalid_request', 'the request could not be parsed as HTTP'],
  408: ['request_timeout', 'the request took too long to arrive'],
  431: ['headers_too_large', 'the request headers are too large'],
};

/**
 * Requests Node refuses before Fastify sees them (headers too large, malformed HTTP, too slow) still get the product's
 * error body, `{error, message}`.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return void socket.destroy();
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const [error, message] = ERRORS[status]!;
  const body = JSON.stringify({ error, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`,
  );
}
