import fastifyCors from '@fastify/cors';
import type { PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { payloadFromJson, payloadToJson, transcode } from '../../runtime/codec';
import { errorSchema, HttpError } from '../shared';
import type { Role } from '../plugins/auth';

export interface CodecRoutesOptions {
  /** The data converter's codecs: the same ones the client and the worker use. */
  codecs: PayloadCodec[];
  /** The only namespace whose payloads these codecs are for. */
  namespace: string;
  /** Browser origins of the Temporal Web UI allowed to call (CORS). */
  uiOrigins: string[];
  /** Who may call; absent only on the loopback-only development codec server, whose Web UI has no sign-in. */
  roles?: Role[];
}

/** The Temporal Web UI's default origins on the local dev server. */
export const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadList = z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }));
// The Temporal CLI sends `{}` to encode a query without arguments: no payloads is an empty list.
const requestSchema = z.object({ payloads: payloadList.default([]) });
const payloadsSchema = z.object({ payloads: payloadList });

/**
 * The Temporal codec-server contract (`POST /decode`, `POST /encode`, `{payloads: [{metadata, data}]}` in base64,
 * the namespace in `X-Namespace`), so the Temporal Web UI and `temporal` CLI tooling can show decrypted payloads to
 * the people allowed to read them. Changes nothing, so it is not audit-logged.
 */
const codecRoutes: FastifyPluginAsyncZod<CodecRoutesOptions> = async (app, { codecs, namespace, uiOrigins, roles }) => {
  // The Web UI calls from its own origin, with the user's token and the namespace in headers.
  await app.register(fastifyCors, {
    origin: uiOrigins,
    methods: ['POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Namespace'],
    credentials: true,
    maxAge: 600,
  });

  for (const direction of ['decode', 'encode'] as const) {
    app.post(
      `/${direction}`,
      {
        ...(roles ? { preHandler: app.requireRole(...roles) } : {}),
        bodyLimit: 8 * 1024 * 1024,
        // Decrypting reveals personal data, so it is logged like a reveal; encrypting reveals nothing.
        config: { audit: direction === 'decode' },
        schema: {
          tags: ['audit'],
          summary:
            direction === 'decode'
              ? 'Decrypt payloads (Temporal codec server) for the Web UI or the CLI'
              : 'Encrypt payloads (Temporal codec server)',
          description: `Auditors and ops. The Temporal codec-server contract; \`X-Namespace\` must be "${namespace}" when sent (empty means "${namespace}").`,
          headers: z.object({ 'x-namespace': z.string().optional() }),
          body: requestSchema,
          response: { 200: payloadsSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema },
        },
      },
      async (request) => {
        // The Temporal CLI sends the header empty: that is the namespace this codec serves.
        const requested = request.headers['x-namespace'] || namespace;
        if (requested !== namespace) {
          throw new HttpError(
            400,
            'unknown_namespace',
            `this codec serves namespace "${namespace}", not "${requested}"`,
          );
        }
        const payloads = request.body.payloads.map(payloadFromJson);
        if (direction === 'decode' && request.auditContext)
          request.auditContext.details = { payloads: payloads.length };
        try {
          const result = await transcode(codecs, direction, payloads);
          return { payloads: result.map(payloadToJson) };
        } catch (err) {
          throw new HttpError(400, `cannot_${direction}`, `cannot ${direction}: ${(err as Error).message}`);
        }
      },
    );
  }
};

export default codecRoutes;
