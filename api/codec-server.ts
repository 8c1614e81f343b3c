import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { AesGcmPayloadCodec } from '../runtime/codec';
import type { PayloadKey } from '../runtime/secrets';
import { registerErrorHandler } from './shared/errors';
import codecRoutes from './routes/codec';

export interface LocalCodecServerOptions {
  payloadKeys: PayloadKey[];
  namespace: string;
  port: number;
  uiOrigins: string[];
}

export interface LocalCodecServer {
  /** The codec endpoint to give the Web UI (`--ui-codec-endpoint`); it appends `/decode` and `/encode`. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Development only: the payload codec without sign-in, for the local Temporal Web UI (which has none), bound to the
 * loopback interface so nothing off this machine can reach it. In production the UI sits behind sign-in and calls
 * the API's `/v1/codec` with the user's token.
 */
export async function startLocalCodecServer(options: LocalCodecServerOptions): Promise<LocalCodecServer> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  await app.register(codecRoutes, {
    prefix: '/v1/codec',
    codecs: [new AesGcmPayloadCodec(options.payloadKeys)],
    namespace: options.namespace,
    uiOrigins: options.uiOrigins,
  });
  await app.listen({ host: '127.0.0.1', port: options.port });
  return { endpoint: `http://127.0.0.1:${options.port}/v1/codec`, close: () => app.close() };
}
