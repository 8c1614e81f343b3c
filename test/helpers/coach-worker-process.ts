import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { TEST_SECRETS, type TestStack } from './stack';

export interface WorkerProcess {
  pid: number;
  /** SIGKILL: the process ends as a crash leaves it, with no shutdown of its own. */
  kill(): Promise<void>;
}

/** Starts a worker for the stack's task queue in a child process; resolves once it polls. */
export async function startWorkerProcess(stack: TestStack): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve(__dirname, 'coach-worker-main.ts')],
    {
      env: {
        ...process.env,
        DATABASE_URL: stack.databaseUrl,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
        BACKGROUND_CHECK_API_URL: stack.simulator!.url,
        BACKGROUND_CHECK_API_KEY: TEST_SECRETS.backgroundCheckApiKey,
        PAYLOAD_ENCRYPTION_KEYS: TEST_SECRETS.payloadKeys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code} before it was ready`)));
  });
  return {
    pid: child.pid!,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
