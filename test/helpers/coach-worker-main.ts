/**
 * A worker in a process of its own, so a test can kill it with SIGKILL (test/helpers/coach-worker-process.ts starts
 * it). Configuration comes from the environment the parent sets; "ready" on stdout once it polls.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDb } from '../../db';
import { createDataConverter } from '../../runtime/codec';
import { createWorker } from '../../worker';
import { parsePayloadKeys } from '../../runtime/secrets';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const db = createDb(env('DATABASE_URL'), { max: 4 });
  const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue: env('TEMPORAL_TASK_QUEUE'),
    db,
    dataConverter: createDataConverter(parsePayloadKeys(env('PAYLOAD_ENCRYPTION_KEYS'))),
    workflowBundle: { codePath: env('WORKFLOW_BUNDLE_PATH') },
    backgroundCheck: { baseUrl: env('BACKGROUND_CHECK_API_URL'), apiKey: env('BACKGROUND_CHECK_API_KEY') },
    identity: `coach-worker-process-${process.pid}`,
  });
  const running = worker.run();
  console.log('ready');
  await running;
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
