import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '../../runtime/postgres';
import { freePort } from './ports';

/** A new, empty database on the run's PostgreSQL server, for tests that must own their schema. */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const shared = inject('databaseUrl');
  const name = `scratch_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(shared, name);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: shared });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}

/** A PostgreSQL server of the test's own, which the test may stop and start again on the same data. */
export interface OwnPostgres extends RunningPostgres {
  /** Starts the server again on the same data directory and port. */
  restart(): Promise<OwnPostgres>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-pg-'));
  fs.chmodSync(dir, 0o755); // as root, PostgreSQL runs as 'postgres' and must reach its data directory
  const options = { dataDir: path.join(dir, 'data'), port: await freePort(), database: 'tsa' };
  const start = async (): Promise<OwnPostgres> => ({ ...(await startEmbeddedPostgres(options)), restart: start });
  return start();
}
