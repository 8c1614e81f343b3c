import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { inject } from 'vitest';
import { TEST_SECRETS } from './stack';

export interface WorkerProcess {
  /** The `application_name` of the worker's PostgreSQL sessions, to find its queries in `pg_stat_activity`. */
  applicationName: string;
  /** Kills the process with SIGKILL, as a crash or the kernel's OOM killer would, and waits until it is gone. */
  kill(): Promise<void>;
  /** Stops it as a deploy would (SIGTERM: the worker drains and exits). */
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '../..');

/**
 * The production worker (`worker.ts`) as a child process on a test's task queue, with the run's Temporal server,
 * database, workflow bundle and test secrets. Resolves once it polls.
 */
export async function startWorkerProcess(options: { taskQueue: string; databaseUrl?: string }): Promise<WorkerProcess> {
  const applicationName = `test-worker-${randomBytes(4).toString('hex')}`;
  const databaseUrl = new URL(options.databaseUrl ?? inject('databaseUrl'));
  databaseUrl.searchParams.set('application_name', applicationName);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATA_DIR: path.join(inject('tmpDir'), applicationName),
      DATABASE_URL: databaseUrl.toString(),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      JWT_SECRET: TEST_SECRETS.jwtSecret,
      PAYMENT_WEBHOOK_SECRET: TEST_SECRETS.paymentWebhookSecret,
      BACKGROUND_CHECK_WEBHOOK_SECRET: 'test-background-check-secret',
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
  return { applicationName, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
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
