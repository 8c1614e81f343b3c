import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { inject } from 'vitest';
import { buildApp, type AppServices } from '../../api/app';
import { createDb } from '../../db';
import type { Database } from '../../db/schema';
import { createDataConverter } from '../../runtime/codec';
import { startBackgroundCheckSimulator, type BackgroundCheckSimulator } from '../../simulators/background-check';
import type { CoachOnboardingTimings } from '../../workflows/coach-onboarding/messages';
import type { PayloadKey } from '../../runtime/secrets';
import type { EnrollmentTimings } from '../../workflows/messages';
import { createWorker } from '../../worker';

/** Fixed test secrets; the payload key also decrypts the recorded histories under test/histories/. */
export const TEST_SECRETS = {
  jwtSecret: 'test-jwt-secret-that-is-long-enough-0123456789',
  paymentWebhookSecret: 'test-payment-webhook-secret',
  backgroundCheckWebhookSecret: 'test-background-check-webhook-secret',
  backgroundCheckApiKey: 'test-background-check-api-key',
  payloadKeys: [
    { id: 'test1', key: Buffer.from('dGVzdC1wYXlsb2FkLWtleS0zMi1ieXRlcy1sb25nISE=', 'base64') },
  ] as PayloadKey[],
};

/** Budgets no test reaches by accident (all of a file's requests come from one address); one test proves a 429. */
export const TEST_RATE_LIMITS = {
  redemption: { perIp: 100_000 },
  credentials: { perIp: 100_000 },
  webhook: { perIp: 100_000 },
  token: { perIp: 100_000, perToken: 100_000 },
};

export interface TestStack {
  app: FastifyInstance;
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  databaseUrl: string;
  /** The background-check simulator (with `backgroundChecks`); the API then listens on `apiUrl` for its webhooks. */
  simulator?: BackgroundCheckSimulator;
  apiUrl?: string;
  /** Starts a worker on this stack's task queue (one is started by default). */
  startWorker(): Promise<void>;
  /** Stops the running worker as a crash would leave it: nothing polls the task queue until startWorker. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  /** Another database (e.g. one this test stops and starts); the run's shared database otherwise. */
  databaseUrl?: string;
  /** Another Temporal server (e.g. one this test kills and restarts); the run's shared server otherwise. */
  temporalAddress?: string;
  enrollmentTimings?: EnrollmentTimings;
  startWorker?: boolean;
  /** More of the API's services (the web app's: its files, the document store, the payment provider). */
  services?: Partial<AppServices>;
  coachOnboardingTimings?: CoachOnboardingTimings;
  /** Starts the background-check simulator as this stack's provider, delivering to the API on a real port. */
  backgroundChecks?: { deliveryDelayMs?: number; retryDelayMs?: number; maxDeliveryAttempts?: number };
  /** Listens on this port (one chosen before, for peers that need the API's address first); a free one otherwise. */
  port?: number;
}

/** The product as one test file sees it: the API on its own task queue, a worker for it, the shared server. */
export async function createTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const address = options.temporalAddress ?? inject('temporalAddress');
  const taskQueue = `test-${randomUUID()}`;
  const db = createDb(databaseUrl, { max: 10 });
  const dataConverter = createDataConverter(TEST_SECRETS.payloadKeys);
  // As `npm start` runs it: the API's client and the worker share one NativeConnection.
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection: nativeConnection, dataConverter });
  const app = buildApp({
    db,
    temporal: client,
    taskQueue,
    defaultSchoolId: 1,
    jwtSecret: TEST_SECRETS.jwtSecret,
    paymentWebhookSecret: TEST_SECRETS.paymentWebhookSecret,
    backgroundCheckWebhookSecret: TEST_SECRETS.backgroundCheckWebhookSecret,
    coachOnboardingTimings: options.coachOnboardingTimings,
    enrollmentTimings: options.enrollmentTimings,
    dataConverter,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    eagerWorkflowStart: true,
    rateLimits: TEST_RATE_LIMITS,
    ...options.services,
  });
  await app.ready();
  let simulator: BackgroundCheckSimulator | undefined;
  let apiUrl: string | undefined;
  if (options.backgroundChecks || options.port !== undefined) {
    apiUrl = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  }
  if (options.backgroundChecks) {
    simulator = await startBackgroundCheckSimulator({
      apiKey: TEST_SECRETS.backgroundCheckApiKey,
      webhookSecret: TEST_SECRETS.backgroundCheckWebhookSecret,
      webhookUrl: `${apiUrl}/v1/webhooks/background-checks`,
      deliveryDelayMs: options.backgroundChecks.deliveryDelayMs ?? 200,
      retryDelayMs: options.backgroundChecks.retryDelayMs ?? 200,
      maxDeliveryAttempts: options.backgroundChecks.maxDeliveryAttempts ?? 20,
    });
  }
  const backgroundCheck = simulator && { baseUrl: simulator.url, apiKey: TEST_SECRETS.backgroundCheckApiKey };

  let worker: { worker: Worker; running: Promise<void> } | undefined;
  const startWorker = async () => {
    if (worker) return;
    const w = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      db,
      dataConverter,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      identity: `test-worker-${randomBytes(3).toString('hex')}`,
      ...(backgroundCheck ? { backgroundCheck } : {}),
    });
    worker = { worker: w, running: w.run() };
  };
  const stopWorker = async () => {
    if (!worker) return;
    const { worker: w, running } = worker;
    worker = undefined;
    w.shutdown();
    await running;
  };
  if (options.startWorker ?? true) await startWorker();

  return {
    app,
    db,
    client,
    taskQueue,
    databaseUrl,
    simulator,
    apiUrl,
    startWorker,
    stopWorker,
    close: async () => {
      await stopWorker();
      await simulator?.close();
      await app.close();
      await nativeConnection.close();
      await db.destroy();
    },
  };
}
