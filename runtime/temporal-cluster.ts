import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import { ensureDatabase } from './postgres';
import { ensureTemporalServerBinaries, type TemporalServerBinaries } from './temporal-server-binaries';
import { ensureSearchAttributes } from './temporal-server';

/** Every port the server listens on: each service's gRPC port and its membership (ringpop) port. */
export interface TemporalClusterPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Membership ports must be below 32768: Temporal keeps them in a PostgreSQL `smallint`. */
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
}

/** Temporal's own layout around two bases: from 7233 and 6933, its default ports (7234, 7235, 7239, 7243; 6934…). */
export function clusterPorts(frontend: number, membership: number): TemporalClusterPorts {
  if (membership + 6 > 32767) throw new Error(`membership ports ${membership}–${membership + 6} must be below 32768`);
  return {
    frontend,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    frontendHttp: frontend + 10,
    frontendMembership: membership,
    historyMembership: membership + 1,
    matchingMembership: membership + 2,
    workerMembership: membership + 6,
  };
}

export interface TemporalClusterOptions {
  /** A database URL on the PostgreSQL server that holds Temporal's databases: its user, password, host and port. */
  postgresUrl: string;
  /** The persistence and the visibility databases, created when missing. */
  databases?: { temporal: string; visibility: string };
  /** Where the generated configuration and the server's log go. */
  dataDir: string;
  ports: TemporalClusterPorts;
  namespace?: string;
  /** How long closed workflows' histories stay (the audit endpoints read them). */
  retentionDays?: number;
  log?: (line: string) => void;
}

export interface TemporalCluster {
  address: string;
  namespace: string;
  /** The server's output (JSON lines), appended across restarts. */
  logFile: string;
  /** The server's process id while it runs. */
  pid(): number | undefined;
  /** SIGKILL, as a crash leaves it: everything the server acknowledged is in PostgreSQL. */
  kill(): Promise<void>;
  /** Starts the server again on the same databases and ports, and waits until it serves. */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL when it has not exited after 20 s. */
  stop(): Promise<void>;
}

export const HISTORY_SHARDS = 4;

/**
 * The production shape of Temporal without Docker: `temporal-server` (every service in one process) on PostgreSQL,
 * with separate persistence and visibility databases whose schemas the SQL tool sets up and updates (both steps are
 * no-ops when the schema is current, so a restart repeats them harmlessly), 4 history shards and SQL visibility, then
 * the namespace and the custom search attributes registered.
 */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const databases = options.databases ?? { temporal: 'temporal', visibility: 'temporal_visibility' };
  const binaries = await ensureTemporalServerBinaries(process.env, log);
  fs.mkdirSync(path.join(options.dataDir, 'config'), { recursive: true });

  log(`setting up Temporal's databases ${databases.temporal} and ${databases.visibility}`);
  for (const [database, schema] of [
    [databases.temporal, 'temporal'],
    [databases.visibility, 'visibility'],
  ] as const) {
    await ensureDatabase(options.postgresUrl, database);
    await setUpSchema(binaries, options.postgresUrl, database, schema);
  }

  const configFile = path.join(options.dataDir, 'config', 'cluster.yaml');
  // The configuration holds the database password: readable by this user only.
  fs.writeFileSync(configFile, JSON.stringify(serverConfig(options.postgresUrl, databases, options.ports), null, 2), {
    mode: 0o600,
  });
  const logFile = path.join(options.dataDir, 'temporal-server.log');
  const address = `127.0.0.1:${options.ports.frontend}`;

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const launch = async () => {
    const out = fs.openSync(logFile, 'a');
    const started = spawn(
      binaries.server,
      ['--root', options.dataDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    child = started;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    await waitUntilServing(address, namespace, started, logFile).catch(async (err: Error) => {
      await kill(); // a server that never served would otherwise outlive this process
      throw err;
    });
  };
  const kill = async () => {
    child?.kill('SIGKILL');
    await exited;
    child = undefined;
  };

  log(`starting the Temporal server ${path.basename(binaries.server)} on ${address} (log: ${logFile})`);
  await launch();
  const connection = await Connection.connect({ address });
  try {
    await registerNamespace(connection, namespace, options.retentionDays ?? 30);
    await ensureSearchAttributes(connection, namespace);
    await waitForSearchAttributes(connection, namespace);
  } catch (err) {
    await kill();
    throw err;
  } finally {
    await connection.close();
  }

  return {
    address,
    namespace,
    logFile,
    pid: () => child?.pid,
    kill,
    restart: async () => {
      if (child) throw new Error('the Temporal server is running; kill or stop it first');
      await launch();
    },
    stop: async () => {
      if (!child) return;
      const running = child;
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      child = undefined;
    },
  };
}

async function setUpSchema(
  binaries: TemporalServerBinaries,
  postgresUrl: string,
  database: string,
  schema: 'temporal' | 'visibility',
): Promise<void> {
  const url = new URL(postgresUrl);
  const args = [
    '--plugin',
    'postgres12',
    '--endpoint',
    url.hostname,
    '--port',
    url.port || '5432',
    '--user',
    decodeURIComponent(url.username) || 'postgres',
    '--database',
    database,
  ];
  // The password goes by environment, not on a command line every user of the machine can read.
  const env = { ...process.env, SQL_PASSWORD: decodeURIComponent(url.password) };
  const run = async (command: string[]) => {
    try {
      await promisify(execFile)(binaries.sqlTool, [...args, ...command], { env });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      throw new Error(`temporal-sql-tool ${command[0]} on ${database} failed:\n${stderr || stdout || err}`);
    }
  };
  // `-v 0.0` creates the version tables only, and keeps the version of a schema that exists.
  await run(['setup-schema', '-v', '0.0']);
  await run(['update-schema', '-d', path.join(binaries.schemaDir, schema, 'versioned')]);
}

/** The server's configuration, after the module's `config/development-postgres12.yaml`; JSON is valid YAML. */
function serverConfig(
  postgresUrl: string,
  databases: { temporal: string; visibility: string },
  ports: TemporalClusterPorts,
) {
  const url = new URL(postgresUrl);
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${url.hostname}:${url.port || '5432'}`,
      connectProtocol: 'tcp',
      user: decodeURIComponent(url.username) || 'postgres',
      password: decodeURIComponent(url.password),
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) },
  });
  const frontendAddress = `127.0.0.1:${ports.frontend}`;
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': sql(databases.temporal, 20),
        'postgres-visibility': sql(databases.visibility, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, ports.frontendHttp),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontendAddress },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
  };
}

/** gRPC status codes. */
const GRPC = { DEADLINE_EXCEEDED: 4, ALREADY_EXISTS: 6, INTERNAL: 13, UNAVAILABLE: 14 } as const;
const RETRYABLE = new Set<number>([GRPC.UNAVAILABLE, GRPC.DEADLINE_EXCEEDED, GRPC.INTERNAL]);

/**
 * Until the frontend answers and history and matching own their shards and partitions: a lookup of a workflow that
 * does not exist reaches a history shard, a task queue's description reaches matching. Both answer "not found"
 * (or an empty description) once the services are up, and UNAVAILABLE before.
 */
async function waitUntilServing(address: string, namespace: string, server: ChildProcess, logFile: string) {
  const deadline = Date.now() + 120_000;
  let exitCode: number | null = null;
  server.once('exit', (code) => (exitCode = code ?? -1));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exitCode !== null) {
      throw new Error(`the Temporal server exited with ${exitCode} while starting:\n${tail(logFile)}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await probe(() =>
          connection.workflowService.describeWorkflowExecution({
            namespace: 'temporal-system',
            execution: { workflowId: `probe-${randomUUID()}` },
          }),
        );
        await probe(() =>
          connection.workflowService.describeTaskQueue({ namespace: 'temporal-system', taskQueue: { name: 'probe' } }),
        );
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`the Temporal server did not serve ${address} (${namespace}) within 120 s: ${lastError}`);
}

async function probe(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === undefined || RETRYABLE.has(code)) throw err;
  }
}

function tail(file: string): string {
  return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}

async function registerNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
    });
  } catch (err) {
    if ((err as { code?: number }).code !== GRPC.ALREADY_EXISTS) throw err;
  }
}

/**
 * Each service caches namespaces for 2 s; a workflow that upserts an attribute before its service knows it fails its
 * task. Visibility queries naming every attribute succeed once the frontend's cache has them.
 */
async function waitForSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const query = SEARCH_ATTRIBUTES.map((key) => `${key.name} IS NOT NULL`).join(' OR ');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace, query, pageSize: 1 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
