import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { TEST_SECRETS, type TestStack } from '../helpers/stack';

export interface WorkerProcess {
  pid: number;
  /** What the worker reports to Temporal (the SDK's default, `pid@hostname`): histories name it on each task. */
  identity: string;
  /** Sends the signal and waits for the process to end. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * `worker.ts` as production runs it (`npm run worker`: its own process, NODE_ENV=production, secrets from the
 * environment) on the stack's task queue and database, with the run's prebuilt workflow bundle. Resolves once the
 * task queue lists the process among its pollers.
 */
export async function startWorkerProcess(stack: TestStack, temporalAddress = inject('temporalAddress')) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../worker.ts')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      JWT_SECRET: TEST_SECRETS.jwtSecret,
      PAYMENT_WEBHOOK_SECRET: TEST_SECRETS.paymentWebhookSecret,
      BACKGROUND_CHECK_WEBHOOK_SECRET: TEST_SECRETS.paymentWebhookSecret,
      PAYLOAD_ENCRYPTION_KEYS: TEST_SECRETS.payloadKeys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const identity = `${child.pid}@${os.hostname()}`;
  const worker: WorkerProcess = {
    pid: child.pid!,
    identity,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`worker process exited with ${child.exitCode} while starting`);
    const { pollers } = await stack.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: stack.taskQueue },
    });
    if (pollers?.some((poller) => poller.identity === identity)) return worker;
    if (Date.now() > deadline) {
      await worker.kill('SIGKILL');
      throw new Error(`worker process ${identity} never polled ${stack.taskQueue}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
