import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../runtime/workflow-bundle';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDb } from '../db';
import { migrateToLatest } from '../db/migrate';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '../runtime/postgres';
import { startDevServer } from '../runtime/temporal-server';
import { startTestCluster } from './cluster/temporal-cluster';
import { buildWeb } from '../scripts/web-build';
import { freePort } from './helpers/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
    tmpDir: string;
  }
}

/**
 * Once per run: one Temporal dev server (from the provisioned CLI), one PostgreSQL with a fresh database
 * (DATABASE_URL's server when set, else an embedded one), migrated, and one workflow bundle every worker shares.
 */
export default async function setup(project: TestProject) {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-test-'));
  // Run as root, the embedded PostgreSQL drops to a 'postgres' user that must be able to reach its data directory.
  fs.chmodSync(tmpDir, 0o755);
  const log = (line: string) => console.error(`[global-setup] ${line}`);

  const testPostgres = startTestPostgres(tmpDir);
  const [temporal, postgres, bundle] = await Promise.all([
    // TEST_TEMPORAL=cluster (`npm run test:cluster`): the production shape's server, on the run's PostgreSQL.
    temporalShape() === 'cluster'
      ? testPostgres.then((pg) => startTestCluster({ postgresUrl: pg.url, dataDir: tmpDir, name: 'cluster', log }))
      : startDevServer({ log }),
    testPostgres,
    bundleWorkflowCode({ ...workflowBundleOptions, logger: quietLogger }),
    // The browser tests open the built web app; built here when missing or older than its sources.
    buildWeb({ log }),
  ]);
  const workflowBundlePath = path.join(tmpDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);

  const db = createDb(postgres.url, { max: 2 });
  await migrateToLatest(db);
  await db.destroy();

  project.provide('temporalAddress', temporal.address);
  project.provide('databaseUrl', postgres.url);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('tmpDir', tmpDir);

  return async () => {
    await ('close' in temporal ? temporal.close() : temporal.stop());
    await postgres.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };
}

/** `dev` (the default): the Temporal CLI's dev server; `cluster`: `temporal-server` on PostgreSQL, as production. */
function temporalShape(): 'dev' | 'cluster' {
  const shape = process.env.TEST_TEMPORAL ?? 'dev';
  if (shape !== 'dev' && shape !== 'cluster') throw new Error(`TEST_TEMPORAL=${shape}: must be dev or cluster`);
  return shape;
}

async function startTestPostgres(tmpDir: string): Promise<RunningPostgres> {
  const database = `tsa_test_${Date.now()}_${process.pid}`;
  const base = process.env.DATABASE_URL;
  if (base) {
    // A fresh database per run on the given server, dropped afterwards.
    await ensureDatabase(base, database);
    const url = new URL(base);
    url.pathname = `/${database}`;
    return {
      url: url.toString(),
      embedded: false,
      stop: async () => {
        const pg = await import('pg');
        const client = new pg.default.Client({ connectionString: base });
        await client.connect();
        await client.query(`drop database if exists "${database}" with (force)`);
        await client.end();
      },
    };
  }
  return startEmbeddedPostgres({ dataDir: path.join(tmpDir, 'postgres'), port: await freePort(), database });
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
