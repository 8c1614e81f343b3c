import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { Kysely } from 'kysely';
import { createActivities } from './activities';
import type { BackgroundCheckProviderConfig } from './activities/background-check-provider';
import { createDb } from './db';
import { migrateToLatest } from './db/migrate';
import type { Database } from './db/schema';
import { createDataConverter } from './runtime/codec';
import { loadConfig } from './runtime/config';
import { createLogger } from './runtime/logger';
import { resolveSecrets } from './runtime/secrets';
import { workflowBundleOptions } from './runtime/workflow-bundle';

export interface EnrollmentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Kysely<Database>;
  dataConverter: DataConverter;
  /** A prebuilt workflow bundle (tests build one and share it); the worker bundles `workflows/` otherwise. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  maxCachedWorkflows?: number;
  /** Where coach background checks are ordered. */
  backgroundCheck?: BackgroundCheckProviderConfig;
}

export async function createWorker(options: EnrollmentWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    dataConverter: options.dataConverter,
    activities: createActivities({
      db: options.db,
      ...(options.backgroundCheck ? { backgroundCheck: options.backgroundCheck } : {}),
    }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: workflowBundleOptions.workflowsPath }),
  });
}

/** The configured provider, or the local simulator `npm start` runs. */
export function backgroundCheckProvider(config: ReturnType<typeof loadConfig>): BackgroundCheckProviderConfig {
  return {
    baseUrl: config.backgroundCheck.apiUrl ?? `http://127.0.0.1:${config.backgroundCheck.simulatorPort}`,
    apiKey: config.backgroundCheck.apiKey,
  };
}

/** Runs the worker as its own process (production shape); `npm start` runs it inside the local stack instead. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, 'worker');
  Runtime.install({
    logger: new DefaultLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN'),
  });
  if (!config.database.url)
    throw new Error('DATABASE_URL is required to run the worker on its own (npm start embeds one)');
  const secrets = resolveSecrets(config);
  const db = createDb(config.database.url, { max: config.database.poolMax });
  await migrateToLatest(db);
  const connection = await NativeConnection.connect({ address: config.temporal.address ?? '127.0.0.1:7233' });
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    dataConverter: createDataConverter(secrets.payloadKeys),
    maxCachedWorkflows: config.temporal.maxCachedWorkflows,
    ...(config.temporal.workflowBundlePath ? { workflowBundle: { codePath: config.temporal.workflowBundlePath } } : {}),
    backgroundCheck: backgroundCheckProvider(config),
  });
  log.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
  // Worker.run() shuts down gracefully on SIGINT/SIGTERM (the SDK installs those handlers).
  await worker.run();
  await connection.close();
  await db.destroy();
  log.info('worker stopped');
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
