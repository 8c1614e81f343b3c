import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { clusterPorts, startTemporalCluster, type TemporalCluster } from '../../runtime/temporal-cluster';
import { freePort } from '../helpers/ports';

/**
 * A free port below 32768, where Temporal's membership ports must be (it keeps them in a `smallint`) and where the
 * kernel never hands out ephemeral ports, so `freePort()` cannot find one.
 */
async function freeMembershipBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = [base, base + 1, base + 2, base + 6];
    if ((await Promise.all(ports.map(canListen))).every(Boolean)) return base;
  }
  throw new Error('no free ports below 32768 for the Temporal membership ports');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** gRPC ports the kernel chose (the layout of `clusterPorts` with each one free), membership ports below 32768. */
async function freeClusterPorts() {
  const membership = clusterPorts(0, await freeMembershipBase());
  return {
    ...membership,
    frontend: await freePort(),
    frontendHttp: await freePort(),
    history: await freePort(),
    matching: await freePort(),
    worker: await freePort(),
  };
}

export interface TestCluster extends TemporalCluster {
  /** Stops the server and drops its two databases. */
  close(): Promise<void>;
}

/**
 * The production shape's Temporal server for tests: its persistence and visibility databases on the test run's
 * PostgreSQL server, named after `postgresUrl`'s database and `name`, dropped again by `close`.
 */
export async function startTestCluster(options: {
  postgresUrl: string;
  dataDir: string;
  name: string;
  log?: (line: string) => void;
}): Promise<TestCluster> {
  const base = `${new URL(options.postgresUrl).pathname.slice(1)}_${options.name}`;
  const databases = { temporal: `${base}_temporal`, visibility: `${base}_visibility` };
  const cluster = await startTemporalCluster({
    postgresUrl: options.postgresUrl,
    databases,
    dataDir: path.join(options.dataDir, options.name),
    ports: await freeClusterPorts(),
    log: options.log,
  });
  return {
    ...cluster,
    close: async () => {
      await cluster.stop();
      const client = new pg.Client({ connectionString: options.postgresUrl });
      await client.connect();
      try {
        for (const database of Object.values(databases)) {
          await client.query(`drop database if exists "${database}" with (force)`);
        }
      } finally {
        await client.end();
      }
    },
  };
}
