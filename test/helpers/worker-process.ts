import type { Client } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { TEST_SECRETS } from './stack';

export interface WorkerProcess {
  pid: number;
  /** What the worker reports to Temporal (the SDK's default, `pid@hostname`): histories name it on each task. */
  identity: string;
  /** The `application_name` of the worker's PostgreSQL sessions, to find its queries in `pg_stat_activity`. */
  applicationName: string;
  /** Kills the process with SIGKILL, as a crash or the kernel's OOM killer would, and waits until it is gone. */
  kill(): Promise<void>;
  /** Stops it as a deploy would (SIGTERM: the worker drains and exits). */
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  taskQueue: string;
  /** The run's shared database unless given. */
  databaseUrl?: string;
  /** The run's Temporal server unless given. */
  temporalAddress?: string;
  /** The background-check provider the worker calls (a test's simulator). */
  backgroundCheckUrl?: string;
  /** Resolve only once the task queue lists this process among its pollers (a client of the same server). */
  pollersOf?: Client;
}

const ROOT = path.resolve(__dirname, '../..');

/**
 * The production worker (`worker.ts`, as `npm run worker` runs it: its own process, NODE_ENV=production, secrets
 * from the environment) on a test's task queue, with the run's Temporal server, database, workflow bundle and test
 * secrets. Resolves once it has started (and, with `pollersOf`, once it polls).
 */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const applicationName = `test-worker-${randomBytes(4).toString('hex')}`;
  const databaseUrl = new URL(options.databaseUrl ?? inject('databaseUrl'));
  databaseUrl.searchParams.set('application_name', applicationName);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_DIR: path.join(inject('tmpDir'), applicationName),
      DATABASE_URL: databaseUrl.toString(),
      TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      JWT_SECRET: TEST_SECRETS.jwtSecret,
      PAYMENT_WEBHOOK_SECRET: TEST_SECRETS.paymentWebhookSecret,
      BACKGROUND_CHECK_WEBHOOK_SECRET: TEST_SECRETS.backgroundCheckWebhookSecret,
      ...(options.backgroundCheckUrl
        ? {
            BACKGROUND_CHECK_API_URL: options.backgroundCheckUrl,
            BACKGROUND_CHECK_API_KEY: TEST_SECRETS.backgroundCheckApiKey,
          }
        : {}),
      PAYLOAD_ENCRYPTION_KEYS: TEST_SECRETS.payloadKeys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await started(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  const worker: WorkerProcess = {
    pid: child.pid!,
    identity: `${child.pid}@${os.hostname()}`,
    applicationName,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
  if (options.pollersOf) await polling(worker, options.pollersOf, options.taskQueue);
  return worker;
}

/** Resolves on the worker's "worker started" log line; rejects with its output if it exits first. */
function started(child: ChildProcess): Promise<void> {
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker started')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) =>
      reject(new Error(`worker exited (${code ?? signal}) before start:\n${output}`)),
    );
  });
}

async function polling(worker: WorkerProcess, client: Client, taskQueue: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
    });
    if (pollers?.some((poller) => poller.identity === worker.identity)) return;
    if (Date.now() > deadline) {
      await worker.kill();
      throw new Error(`worker process ${worker.identity} never polled ${taskQueue}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
