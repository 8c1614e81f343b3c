import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import path from 'node:path';
import { startLocalCodecServer } from '../api/codec-server';
import { startApi } from '../api/server';
import { createDb } from '../db';
import { migrateToLatest } from '../db/migrate';
import { createDataConverter } from '../runtime/codec';
import { ConfigError, loadConfig } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { handleShutdown } from '../runtime/shutdown';
import { startPostgres } from '../runtime/postgres';
import { resolveSecrets } from '../runtime/secrets';
import { ensureSearchAttributes, startDevServer } from '../runtime/temporal-server';
import { backgroundCheckProvider, createWorker } from '../worker';
import { startPaymentSimulator } from '../simulators/payment';
import { buildWeb } from './web-build';
import { startBackgroundCheckSimulator } from '../simulators/background-check';

/**
 * `npm start`: the whole stack in one command with embedded defaults — PostgreSQL (embedded unless DATABASE_URL),
 * migrations, the Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS), the worker and the API. Data stays
 * under DATA_DIR (.data/) across restarts; Ctrl-C stops everything this process started.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'stack');
  const say = (line: string) => logger.info(line);
  // This process decides when to stop, so the SDK must not shut the worker down on its own at the first signal.
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const secrets = resolveSecrets(config);
  const stops = handleShutdown(logger);
  const stop = stops.stop;

  try {
    say(
      config.database.url
        ? 'using DATABASE_URL'
        : `starting embedded PostgreSQL on port ${config.database.embeddedPort}`,
    );
    const postgres = await startPostgres({
      url: config.database.url,
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      log: (line) => logger.debug({ component: 'postgres' }, line),
      callerHandlesSignals: true,
    });
    stops.push({ name: 'PostgreSQL', run: () => postgres.stop() });
    const db = createDb(postgres.url, { max: config.database.poolMax });
    stops.push({ name: 'database pool', run: () => db.destroy() });
    const applied = await migrateToLatest(db);
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');

    let temporalAddress = config.temporal.address;
    let uiUrl: string | undefined;
    if (!temporalAddress) {
      // The local Web UI has no sign-in, so it decrypts payloads through a codec reachable from this machine only.
      const codec = await startLocalCodecServer({
        payloadKeys: secrets.payloadKeys,
        namespace: config.temporal.namespace,
        port: config.temporal.codecPort,
        uiOrigins: config.temporal.uiOrigins,
      });
      stops.push({ name: 'local codec server', run: () => codec.close() });
      const server = await startDevServer({
        uiCodecEndpoint: codec.endpoint,
        dbFilename: path.join(config.dataDir, 'temporal.sqlite'),
        port: config.temporal.port,
        uiPort: config.temporal.uiPort,
        namespace: config.temporal.namespace,
        log: say,
      });
      stops.push({ name: 'Temporal dev server', run: () => server.stop() });
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    }

    // One connection for the worker and the API's client: the SDK's Rust client, and eager workflow start.
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    stops.push({ name: 'Temporal connection', run: () => nativeConnection.close() });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      dataConverter: createDataConverter(secrets.payloadKeys),
      maxCachedWorkflows: config.temporal.maxCachedWorkflows,
      ...(config.temporal.workflowBundlePath
        ? { workflowBundle: { codePath: config.temporal.workflowBundlePath } }
        : {}),
      backgroundCheck: backgroundCheckProvider(config),
    });
    const running = worker.run();
    stops.push({
      name: 'worker',
      run: async () => {
        worker.shutdown();
        await running;
      },
    });
    running.catch((err: Error) => {
      logger.error({ err }, 'worker failed');
      void stop(1);
    });

    if (config.temporal.address) await ensureSearchAttributes(nativeConnection, config.temporal.namespace);
    await buildWeb({ log: say });
    const apiHost = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
    let paymentProviderUrl = config.web.paymentProviderUrl;
    if (!paymentProviderUrl) {
      const payments = await startPaymentSimulator({
        port: config.web.paymentSimulatorPort,
        webhookUrl: `http://${apiHost}:${config.api.port}/v1/webhooks/payments`,
        webhookSecret: secrets.paymentWebhookSecret,
      });
      stops.push({ name: 'payment simulator', run: () => payments.close() });
      paymentProviderUrl = payments.url;
    }
    const app = await startApi({
      config,
      secrets,
      db,
      connection: nativeConnection,
      logger,
      eagerWorkflowStart: true,
      paymentProviderUrl,
      ...(uiUrl ? { temporalUiUrl: uiUrl } : {}),
    });
    stops.push({ name: 'API', run: () => app.close() });

    const apiUrl = `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
    if (!config.backgroundCheck.apiUrl) {
      const simulator = await startBackgroundCheckSimulator({
        apiKey: config.backgroundCheck.apiKey,
        webhookSecret: secrets.backgroundCheckWebhookSecret,
        webhookUrl: `${apiUrl}/v1/webhooks/background-checks`,
        port: config.backgroundCheck.simulatorPort,
        deliveryDelayMs: config.backgroundCheck.simulatorDelayMs,
        retryDelayMs: 60_000,
        maxDeliveryAttempts: 10,
        log: (line) => logger.debug({ component: 'background-check-simulator' }, line),
      });
      stops.push({ name: 'background-check simulator', run: () => simulator.close() });
      say(`background-check simulator on ${simulator.url}`);
    }
    console.log(
      [
        '',
        'TSA Enrollment Engine is running',
        `  API           ${apiUrl}/v1`,
        `  Web app       ${apiUrl}/   (staff sign-in ${apiUrl}/en/sign-in)`,
        `  API docs      ${apiUrl}/docs`,
        `  Payments      ${paymentProviderUrl} (${config.web.paymentProviderUrl ? 'PAYMENT_PROVIDER_URL' : 'simulator'})`,
        `  Health        ${apiUrl}/health`,
        `  Temporal      ${temporalAddress}${uiUrl ? `   Web UI ${uiUrl}` : ''}`,
        `  PostgreSQL    ${postgres.embedded ? `embedded, data in ${path.join(config.dataDir, 'postgres')}` : 'DATABASE_URL'}`,
        `  Ops token     npm run token -- --role ops`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else logger.error({ err }, 'start-up failed');
    await stop(1);
  }
}

main().catch((err: Error) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
