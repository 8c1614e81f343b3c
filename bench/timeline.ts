/**
 * `npm run bench:timeline [-- --changes 5000]`
 *
 * Applies CHANGES changes one after another to one launch timeline through the HTTP API (a Temporal dev server with
 * its default continue-as-new suggestion, PostgreSQL from DATABASE_URL or an embedded one), and prints at change 10,
 * 1,000 and CHANGES: change latency p50/p99 over the changes just before, GET /v1/timelines/:id and /analytics
 * latency, the history length of the current run and how many runs the timeline has had, and the RSS of this process
 * (API and worker). Then the ratios against change 10, and the analytics pass alone on 500 and 5,000 steps.
 */
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import fs from 'node:fs';
import { Agent as httpAgent, request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../api/app';
import { createDb } from '../db';
import { migrateToLatest } from '../db/migrate';
import { analyze, instantiate, type TimelineState, type TimelineTemplate } from '../domain/timeline';
import { createDataConverter } from '../runtime/codec';
import { ensureDatabase, startEmbeddedPostgres } from '../runtime/postgres';
import { parsePayloadKeys } from '../runtime/secrets';
import { startDevServer } from '../runtime/temporal-server';
import { workflowBundleOptions } from '../runtime/workflow-bundle';
import { timelineWorkflowId } from '../workflows/timeline/messages';
import { createWorker } from '../worker';

const { values: args } = parseArgs({ options: { changes: { type: 'string', default: '5000' } } });
const CHANGES = Number(args.changes);
const CHECKPOINTS = [10, 1000, CHANGES].filter((c, i, all) => c <= CHANGES && all.indexOf(c) === i);
/** The dev server's default `limit.historyCount.suggestContinueAsNew`. */
const SUGGEST_AFTER = 4 * 1024;
const SAMPLES = 20;
/** Ports of this branch's block (34000–34099), so the bench does not collide with other servers on the machine. */
const PORTS = { temporal: 34001, postgres: 34002 };

const secrets = {
  jwtSecret: 'bench-jwt-secret-0123456789-0123456789-abc',
  paymentWebhookSecret: 'bench-payment-webhook-secret',
  payloadKeys: parsePayloadKeys(`bench:${Buffer.alloc(32, 7).toString('base64')}`),
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function database(tmp: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: PORTS.postgres, database: 'bench' });
    return { url: pg.url, stop: () => pg.stop() };
  }
  const name = `tsa_bench_timeline_${Date.now()}`;
  await ensureDatabase(base, name);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop database if exists "${name}" with (force)`);
      await client.end();
    },
  };
}

/** A synthetic timeline of `n` steps, each depending on up to two earlier ones (about 2n edges). */
function syntheticTimeline(n: number): TimelineState {
  const template: TimelineTemplate = {
    templateId: 'synthetic',
    version: 1,
    customFields: { facility_type: 'leased' },
    steps: Array.from({ length: n }, (_, i) => ({
      key: `s${i}`,
      name: `Step ${i}`,
      description: '',
      category: 'general',
      priority: 'medium' as const,
      durationDays: 1 + (i % 7),
      dueWorkingDaysBeforeLaunch: n - i,
      dependsOn: [i - 1, i - 1 - (i % 13)]
        .filter((j, k, all) => j >= 0 && all.indexOf(j) === k)
        .map((j, k) => ({
          key: `s${j}`,
          kind: (['hard', 'soft', 'conditional'] as const)[(i + k) % 3]!,
          relation: (['FS', 'SS', 'FF'] as const)[(i + 2 * k) % 3]!,
          lagDays: (i % 5) - 2,
          condition: { field: 'facility_type', equals: 'leased' },
        })),
      nextActions: [],
    })),
  };
  return {
    ...instantiate(
      {
        timelineId: 'TSA-TL-20270101-BENCH0',
        coachId: 'TSA-COACH-20270101-BENCH0',
        templateId: 'synthetic',
        name: 'synthetic',
        targetLaunchDate: '2030-01-07',
        focusAreas: [],
        customizationLevel: 'moderate',
      },
      template,
    ),
    sequence: 1,
  };
}

function timeAnalytics(n: number, rounds: number): { perPass: number; edges: number } {
  const state = syntheticTimeline(n);
  const now = '2027-03-01T12:00:00.000Z';
  for (let i = 0; i < 5; i++) analyze(state, now);
  const start = performance.now();
  for (let i = 0; i < rounds; i++) analyze(state, now);
  return {
    perPass: (performance.now() - start) / rounds,
    edges: state.steps.reduce((sum, s) => sum + s.dependencies.length, 0),
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-bench-timeline-'));
  fs.chmodSync(tmp, 0o755);
  console.error('starting Temporal dev server and PostgreSQL…');
  const temporal = await startDevServer({ port: PORTS.temporal });
  const pg = await database(tmp);
  const db = createDb(pg.url, { max: 10 });
  await migrateToLatest(db);

  const dataConverter = createDataConverter(secrets.payloadKeys);
  const native = await NativeConnection.connect({ address: temporal.address });
  const client = new Client({ connection: native, dataConverter });
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions,
    logger: { ...console, log() {}, info() {}, debug() {}, trace() {} },
  });
  const worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue: 'bench-timeline',
    db,
    dataConverter,
    workflowBundle: { code: bundle.code },
  });
  const running = worker.run();
  const app = buildApp({
    db,
    temporal: client,
    taskQueue: 'bench-timeline',
    defaultSchoolId: 1,
    jwtSecret: secrets.jwtSecret,
    paymentWebhookSecret: secrets.paymentWebhookSecret,
    eagerWorkflowStart: true,
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const coachId = 'TSA-COACH-20270101-BENCH1';
  const token = app.signToken({ role: 'coach', sub: coachId, coachId });

  const agent = new httpAgent({ keepAlive: true, maxSockets: 8 });
  const { hostname, port } = new URL(base);
  function http(method: string, url: string, body?: unknown): Promise<{ status: number; json: any; ms: number }> {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent,
          hostname,
          port,
          method,
          path: url,
          headers: { authorization: `Bearer ${token}`, ...(raw ? { 'content-type': 'application/json' } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text), ms: performance.now() - started }),
          );
        },
      );
      req.on('error', reject);
      req.end(raw);
    });
  }

  const created = await http('POST', `/v1/coaches/${coachId}/timelines`, {
    name: 'Bench academy',
    targetLaunchDate: '2027-08-16',
  });
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.json)}`);
  const timelineId: string = created.json.timelineId;
  const stepIds: string[] = created.json.timeline.steps.map((s: { stepId: string }) => s.stepId);

  /** Modifies, moves and (every tenth change) an undo, over the template's steps: the step count stays the same. */
  const changeAt = (i: number): [string, unknown] => {
    const stepId = stepIds[i % stepIds.length] as string;
    if (i % 10 === 9) return ['undo', {}];
    if (i % 3 === 0) return ['changes', { change: { type: 'move', stepId, position: i % 2 ? 'start' : 'end' } }];
    return [
      'changes',
      { change: { type: 'modify', stepId, fields: { notes: `note ${i}`, durationDays: 1 + (i % 9) } } },
    ];
  };

  const latencies: number[] = [];
  const rows: Record<string, string | number>[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const [path_, body] = changeAt(i);
    const r = await http('POST', `/v1/timelines/${timelineId}/${path_}`, body);
    if (r.status !== 200) throw new Error(`change ${i + 1}: ${r.status} ${JSON.stringify(r.json)}`);
    latencies.push(r.ms);
    const n = i + 1;
    if (!CHECKPOINTS.includes(n)) continue;
    const window = latencies.slice(Math.max(0, n - 100));
    const gets: number[] = [];
    const analytics: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      gets.push((await http('GET', `/v1/timelines/${timelineId}`)).ms);
      analytics.push((await http('GET', `/v1/timelines/${timelineId}/analytics`)).ms);
    }
    const description = await client.workflow.getHandle(timelineWorkflowId(timelineId)).describe();
    let runs = 0;
    for await (const _ of client.workflow.list({ query: `WorkflowId = '${timelineWorkflowId(timelineId)}'` })) runs++;
    const row = {
      change: n,
      window: window.length,
      changeP50: stats(window).p50,
      changeP99: stats(window).p99,
      getP50: stats(gets).p50,
      getP99: stats(gets).p99,
      analyticsP50: stats(analytics).p50,
      analyticsP99: stats(analytics).p99,
      historyLength: description.historyLength,
      runs,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
    };
    rows.push(row);
    console.log(
      `change ${n}: change p50 ${ms(row.changeP50)} p99 ${ms(row.changeP99)} (last ${row.window}) · GET p50 ${ms(row.getP50)} p99 ${ms(row.getP99)} · analytics p50 ${ms(row.analyticsP50)} p99 ${ms(row.analyticsP99)} · history ${row.historyLength} events (run ${runs}; suggestion at ${SUGGEST_AFTER}) · RSS ${row.rssMiB.toFixed(0)} MiB`,
    );
  }

  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const ratio = (key: string) => (Number(last[key]) / Number(first[key])).toFixed(2);
  console.log(
    `ratios at change ${last.change} against change ${first.change}: change p99 ${ratio('changeP99')}× (target ≤ 1.5), analytics p50 ${ratio('analyticsP50')}× p99 ${ratio('analyticsP99')}× (target ≤ 1.5), GET p50 ${ratio('getP50')}×; current run's history ${last.historyLength} < ${SUGGEST_AFTER}: ${Number(last.historyLength) < SUGGEST_AFTER}`,
  );
  const small = timeAnalytics(500, 200);
  const large = timeAnalytics(5000, 20);
  console.log(
    `analytics pass alone: 500 steps + ${small.edges} edges ${small.perPass.toFixed(2)} ms; 5,000 steps + ${large.edges} edges ${large.perPass.toFixed(2)} ms (${(large.perPass / small.perPass).toFixed(1)}× for 10× the steps)`,
  );

  await app.close();
  worker.shutdown();
  await running;
  await native.close();
  await db.destroy();
  await pg.stop();
  await temporal.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
