import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../runtime/config';
import { loadOrCreateEnvFile } from '../runtime/env-file';
import { createLogger } from '../runtime/logger';
import { handleShutdown } from '../runtime/shutdown';
import { startPostgres } from '../runtime/postgres';
import { clusterPorts, HISTORY_SHARDS, startTemporalCluster } from '../runtime/temporal-cluster';

const ROOT = path.resolve(__dirname, '..');

/**
 * `npm run cluster`: the production shape on this machine, without Docker. PostgreSQL (DATABASE_URL's server, or the
 * embedded one under DATA_DIR/cluster), the Temporal server on it (built once with Go), then the worker and the API
 * as separate processes with NODE_ENV=production and their secrets from the environment or `.env`. Ctrl-C or
 * SIGTERM stops the API and the worker first, then Temporal, then PostgreSQL.
 */
async function main(): Promise<void> {
  const envFile = path.join(ROOT, '.env');
  const { env, created } = loadOrCreateEnvFile(envFile);
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, 'cluster');
  const say = (line: string) => logger.info(line);
  if (created) say(`wrote ${envFile} with fresh random secrets (kept for later runs; git-ignored)`);
  const dataDir = path.join(config.dataDir, 'cluster');

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
      dataDir,
      port: config.database.embeddedPort,
      log: (line) => logger.debug({ component: 'postgres' }, line),
      callerHandlesSignals: true,
    });
    stops.push({ name: 'PostgreSQL', run: () => postgres.stop() });

    const temporal = await startTemporalCluster({
      postgresUrl: postgres.url,
      dataDir: path.join(dataDir, 'temporal'),
      ports: clusterPorts(config.temporal.port, config.temporal.membershipPort),
      namespace: config.temporal.namespace,
      log: say,
    });
    stops.push({ name: 'Temporal server', run: () => temporal.stop() });

    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      NODE_ENV: 'production',
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
    };
    const onExit = (name: string) => (code: number | null, signal: NodeJS.Signals | null) => {
      if (stops.stopping) return;
      logger.error(`${name} exited (${signal ?? code}); stopping the rest`);
      void stop(1);
    };
    const worker = startChild('worker.ts', childEnv, onExit('worker'));
    stops.push({ name: 'worker', run: () => stopChild(worker) });
    const api = startChild('api/server.ts', childEnv, onExit('API'));
    stops.push({ name: 'API', run: () => stopChild(api) });

    const apiUrl = `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
    await Promise.all([
      waitForHealth(`${apiUrl}/health`),
      waitForPoller(temporal.address, config.temporal.namespace, config.temporal.taskQueue, worker.pid!),
    ]);
    console.log(
      [
        '',
        'TSA Enrollment Engine is running in the production shape',
        `  API           ${apiUrl}/v1   (process ${api.pid}, npm run api)`,
        `  API docs      ${apiUrl}/docs`,
        `  Health        ${apiUrl}/health`,
        `  worker        process ${worker.pid} (npm run worker), task queue ${config.temporal.taskQueue}`,
        `  Temporal      ${temporal.address}   process ${temporal.pid()}, ${HISTORY_SHARDS} history shards, SQL visibility, log ${temporal.logFile}`,
        `  PostgreSQL    ${postgres.embedded ? `embedded, data in ${path.join(dataDir, 'postgres')}` : 'DATABASE_URL'}: the app's database and temporal, temporal_visibility`,
        `  secrets       ${envFile} (NODE_ENV=production: nothing is generated)`,
        `  Ops token     npx tsx --env-file=.env scripts/token.ts --role ops`,
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

/** The same entry point as `npm run worker` / `npm run api`. */
function startChild(
  entry: string,
  env: NodeJS.ProcessEnv,
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void,
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', onExit);
  return child;
}

/** SIGTERM (both processes shut down gracefully on it), SIGKILL after 30 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function waitForHealth(url: string): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer 200 within 120 s`);
}

/** The worker polls once the task queue lists it (the SDK's default identity is `pid@hostname`). */
async function waitForPoller(address: string, namespace: string, taskQueue: string, pid: number): Promise<void> {
  const identity = `${pid}@${os.hostname()}`;
  const connection = await Connection.connect({ address });
  try {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
      });
      if (pollers?.some((poller) => poller.identity === identity)) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the worker (${identity}) did not poll ${taskQueue} within 120 s`);
  } finally {
    await connection.close();
  }
}

/**
 * A Ctrl-C reaches every process of the terminal's process group at once, the embedded PostgreSQL's too, which would
 * stop before the processes that use it (and npm passes the signal on a second time). So the stack runs in a process
 * group of its own, and this process passes the first SIGINT, SIGTERM or SIGHUP on to it as one SIGTERM.
 */
function superviseInOwnProcessGroup(): void {
  const stack = spawn(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2)], {
    env: { ...process.env, [SUPERVISED]: '1' },
    stdio: 'inherit',
    detached: true,
  });
  let passed = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!passed) stack.kill('SIGTERM');
      passed = true;
    });
  }
  stack.once('exit', (code) => process.exit(code ?? 1));
}

const SUPERVISED = 'TSA_CLUSTER_STACK';
if (process.env[SUPERVISED]) {
  main().catch((err: Error) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
} else {
  superviseInOwnProcessGroup();
}
