import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of the body, in the scopes of `keepRawJsonBody`. */
    rawBody?: Buffer;
  }
}

/** A provider signs the exact bytes it sent, so a webhook's scope keeps the raw body next to the parsed one. */
export function keepRawJsonBody(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch {
      done(new HttpError(400, 'invalid_request', 'body is not valid JSON'), undefined);
    }
  });
}

/** Whether `hex` is the HMAC-SHA256 of the body under `secret`, compared in constant time. */
export function hmacSha256Matches(secret: string, rawBody: Buffer, hex: string | undefined): boolean {
  if (!/^[0-9a-f]{64}$/i.test(hex ?? '')) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(hex!, 'hex'));
}
