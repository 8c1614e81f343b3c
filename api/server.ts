import { Client, type ConnectionLike } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
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
}

/** Builds the API on shared resources and listens; the caller closes the returned app, then the resources. */
export async function startApi({
  config,
  secrets,
  db,
  connection,
  logger,
  eagerWorkflowStart,
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
      ...(config.temporal.workflowBundlePath
        ? { workflowBundle: { codePath: config.temporal.workflowBundlePath } }
        : {}),
    },
    { loggerInstance: logger },
  );
  await app.listen({ host: config.api.host, port: config.api.port });
  return app;
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
