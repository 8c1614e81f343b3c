import { Client, type ConnectionLike } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createDb } from '../db';
import { migrateToLatest } from '../db/migrate';
import type { Database } from '../db/schema';
import { createDataConverter } from '../runtime/codec';
import { loadConfig, type Config } from '../runtime/config';
import { createLogger, type Logger } from '../runtime/logger';
import { resolveSecrets, type Secrets } from '../runtime/secrets';
import { ensureSearchAttributes } from '../runtime/temporal-server';
import { buildApp } from './app';

export interface ApiDeps {
  config: Config;
  secrets: Secrets;
  db: Kysely<Database>;
  connection: ConnectionLike;
  logger: Logger;
  /** `connection` is a NativeConnection that an in-process worker for the task queue shares (`npm start`). */
  eagerWorkflowStart?: boolean;
  /** The local payment simulator's address (`npm start`); PAYMENT_PROVIDER_URL otherwise. */
  paymentProviderUrl?: string;
  /** The local Temporal Web UI (`npm start`), for the ops console's links. */
  temporalUiUrl?: string;
}

/** Builds the API on shared resources and listens; the caller closes the returned app, then the resources. */
export async function startApi({
  config,
  secrets,
  db,
  connection,
  logger,
  eagerWorkflowStart,
  paymentProviderUrl,
  temporalUiUrl,
}: ApiDeps): Promise<FastifyInstance> {
  const dataConverter = createDataConverter(secrets.payloadKeys);
  const temporal = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
  const app = buildApp(
    {
      db,
      temporal,
      taskQueue: config.temporal.taskQueue,
      defaultSchoolId: config.defaultSchoolId,
      jwtSecret: secrets.jwtSecret,
      paymentWebhookSecret: secrets.paymentWebhookSecret,
      backgroundCheckWebhookSecret: secrets.backgroundCheckWebhookSecret,
      temporalUiOrigins: config.temporal.uiOrigins,
      dataConverter,
      eagerWorkflowStart: eagerWorkflowStart ?? false,
      rateLimits: config.rateLimits,
      ...(config.temporal.workflowBundlePath
        ? { workflowBundle: { codePath: config.temporal.workflowBundlePath } }
        : {}),
      ...webServices(config, paymentProviderUrl, temporalUiUrl),
    },
    { loggerInstance: logger },
  );
  await app.listen({ host: config.api.host, port: config.api.port });
  return app;
}

/** The web app and what its pages reach: built files, the document store, the payment provider, sign-in. */
function webServices(config: Config, paymentProviderUrl?: string, temporalUiUrl?: string) {
  const webRoot = path.resolve(__dirname, '../web/dist');
  const providerUrl = paymentProviderUrl ?? config.web.paymentProviderUrl;
  return {
    ...(fs.existsSync(path.join(webRoot, 'index.html')) ? { webRoot } : {}),
    documentsDir: path.join(config.dataDir, 'documents'),
    ...(providerUrl ? { paymentProvider: { url: providerUrl } } : {}),
    depositAmountCents: config.web.depositAmountCents,
    ...(temporalUiUrl ? { temporalUiUrl } : {}),
    ...(config.web.oidc ? { oidc: config.web.oidc } : {}),
  };
}

/** The API as its own process (production shape). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'api');
  if (!config.database.url)
    throw new Error('DATABASE_URL is required to run the API on its own (npm start embeds one)');
  const secrets = resolveSecrets(config);
  const db = createDb(config.database.url, { max: config.database.poolMax });
  await migrateToLatest(db);
  Runtime.install({
    logger: new DefaultLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN'),
  });
  // The SDK's Rust client rather than grpc-js: it keeps gRPC encoding and transport off the event loop.
  const connection = await NativeConnection.connect({ address: config.temporal.address ?? '127.0.0.1:7233' });
  // The workflows set custom search attributes; a cluster without them would refuse every workflow task.
  await ensureSearchAttributes(connection, config.temporal.namespace);
  const app = await startApi({ config, secrets, db, connection, logger });
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await app.close();
    await connection.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
