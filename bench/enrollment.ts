/**
 * `npm run bench [-- --n 200 --concurrency 1,5,20 --open 1000 --temporal-address HOST:PORT]`
 *
 * `--temporal-address`: an existing Temporal server (e.g. `npm run cluster`'s) instead of a dev server of its own; its
 * custom search attributes are registered when missing, and its CPU is not counted (it is not this process's child).
 *
 * Drives N full enrollments through the HTTP API at each concurrency against the Temporal dev server and
 * PostgreSQL, and in the same run the engine floor: a no-op workflow with the same number of updates and one
 * activity, driven straight through the Temporal client. Also in the same run, the spec floor: that workflow with the
 * messages, search attributes and projection write SPEC §3 asks of every enrollment, still doing nothing else. Prints
 * each figure and its ratio to both floors, the process RSS with `--open` enrollments open, and writes everything as
 * JSON under bench/results/.
 */
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Agent as httpAgent, request as httpRequest } from 'node:http';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../api/app';
import { createDb } from '../db';
import { migrateToLatest } from '../db/migrate';
import { createDataConverter } from '../runtime/codec';
import { startEmbeddedPostgres } from '../runtime/postgres';
import { parsePayloadKeys } from '../runtime/secrets';
import { ensureSearchAttributes, startDevServer } from '../runtime/temporal-server';
import { workflowBundleOptions } from '../runtime/workflow-bundle';
import type { EnrollmentProgress } from '../workflows/messages';
import { createWorker } from '../worker';
import { cpuBetween, sampleCpu, type CpuSample } from './cpu';
import { floorConfirmSignal, floorStepUpdate, type floorWorkflow, type specFloorWorkflow } from './floor-workflow';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1,5,20' },
    open: { type: 'string', default: '1000' },
    profile: { type: 'boolean', default: false },
    'temporal-address': { type: 'string' },
  },
});
const N = Number(args.n);
const LEVELS = args.concurrency.split(',').map(Number);
const OPEN = Number(args.open);
const STEPS = 6;
/** The coach's consultation confirmation and the payment provider's webhook. */
const SIGNALS = 2;

const secrets = {
  jwtSecret: 'bench-jwt-secret-0123456789-0123456789-abc',
  paymentWebhookSecret: 'bench-payment-webhook-secret',
  payloadKeys: parsePayloadKeys(`bench:${Buffer.alloc(32, 7).toString('base64')}`),
};

const payloads: Record<number, unknown> = {
  1: {
    guardian: {
      firstName: 'Ana',
      lastName: 'Diaz',
      email: 'ana@example.com',
      phone: '512-555-0100',
      relationship: 'mother',
    },
    address: { line1: '1 Main St', city: 'Austin', state: 'TX', postalCode: '78701' },
  },
  2: { sportInterests: ['basketball'], gradeLevel: '07', expectedStartDate: '2026-08-17' },
  3: { scheduledAt: '2026-12-01T15:00:00Z' },
  4: {
    firstName: 'Leo',
    lastName: 'Diaz',
    birthDate: '2013-05-01',
    sex: 'Male',
    hispanicLatinoEthnicity: true,
    races: ['White'],
  },
  5: {
    documents: ['birth_certificate', 'immunization_record', 'proof_of_residence'].map((type, i) => ({
      type,
      fileName: `${type}.pdf`,
      sha256: String(i).repeat(64),
    })),
  },
  6: { paymentReference: 'pay_bench', amountCents: 10_000 },
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const summarize = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), n: s.length };
};

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-bench-'));
  fs.chmodSync(tmp, 0o755);
  const existingServer = args['temporal-address'];
  console.error(
    existingServer
      ? `Temporal at ${existingServer}; starting PostgreSQL…`
      : 'starting Temporal dev server and PostgreSQL…',
  );
  const temporal = existingServer ? { address: existingServer, stop: async () => {} } : await startDevServer();
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(tmp, 'pg'),
    port: Number(process.env.EMBEDDED_POSTGRES_PORT ?? 55439),
    database: 'bench',
  });
  const db = createDb(postgres.url, { max: 10 });
  await migrateToLatest(db);

  const dataConverter = createDataConverter(secrets.payloadKeys);
  const native = await NativeConnection.connect({ address: temporal.address });
  if (existingServer) await ensureSearchAttributes(native, 'default');
  const client = new Client({ connection: native, dataConverter });
  const bundle = await bundleWorkflowCode({ ...workflowBundleOptions, logger: quiet });
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  const enrollmentWorker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue: 'bench-enrollment',
    db,
    dataConverter,
    workflowBundle: { code: bundle.code },
  });
  const floorWorker = await Worker.create({
    connection: native,
    taskQueue: 'bench-floor',
    workflowBundle: {
      code: (await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, 'floor-workflow.ts'), logger: quiet }))
        .code,
    },
    activities: { floorActivity: async () => {} },
    dataConverter,
  });
  const running = [enrollmentWorker.run(), floorWorker.run()];

  const app = buildApp({
    db,
    temporal: client,
    taskQueue: 'bench-enrollment',
    defaultSchoolId: 1,
    jwtSecret: secrets.jwtSecret,
    paymentWebhookSecret: secrets.paymentWebhookSecret,
    eagerWorkflowStart: true,
    // One load generator on one address is not abuse: the budgets would measure the limiter, not the engine.
    rateLimits: { redemption: { perIp: 1e9 }, webhook: { perIp: 1e9 }, token: { perIp: 1e9, perToken: 1e9 } },
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const opsToken = app.signToken({ role: 'ops', sub: 'bench' });

  // The load generator: node:http over kept-alive sockets. fetch (undici with web streams) cost this process several
  // times the CPU per request, which the API and the worker then lacked on two cores.
  const agent = new httpAgent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(base);
  function send(method: string, url: string, raw: string, headers: Record<string, string>) {
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        { agent, hostname, port, method, path: url, headers: { 'content-type': 'application/json', ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(raw);
    });
  }

  async function http(method: string, url: string, body: unknown, headers: Record<string, string> = {}) {
    const { status, text } = await send(method, url, JSON.stringify(body), headers);
    if (status >= 300) throw new Error(`${method} ${url} → ${status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  }

  async function openEnrollment() {
    const inv = await http(
      'POST',
      '/v1/invitations',
      { parentEmail: `p-${randomUUID()}@example.com` },
      {
        authorization: `Bearer ${opsToken}`,
      },
    );
    const e = await http('POST', '/v1/enrollments', { invitationToken: inv.invitationToken });
    return { id: e.enrollmentId as string, auth: { authorization: `Bearer ${e.parentToken as string}` } };
  }

  /** `stepLatencies[step - 1]` collects that step's submit latencies. */
  async function fullEnrollment(stepLatencies: number[][], step4Sent: Map<string, number>) {
    const e = await openEnrollment();
    for (let step = 1; step <= STEPS; step++) {
      if (step === 4) step4Sent.set(e.id, Date.now());
      const t0 = performance.now();
      await http('PUT', `/v1/enrollments/${e.id}/steps/${step}`, payloads[step], e.auth);
      stepLatencies[step - 1]!.push(performance.now() - t0);
      if (step === 3) {
        await http(
          'POST',
          `/v1/enrollments/${e.id}/consultation`,
          { completed: true },
          { authorization: `Bearer ${opsToken}` },
        );
      }
    }
    const raw = JSON.stringify({ enrollmentId: e.id, ...(payloads[6] as object), status: 'succeeded' });
    const signature = createHmac('sha256', secrets.paymentWebhookSecret).update(raw).digest('hex');
    const webhook = await send('POST', '/v1/webhooks/payments', raw, { 'x-signature': `sha256=${signature}` });
    if (webhook.status !== 202) throw new Error(`webhook → ${webhook.status} ${webhook.text}`);
    const result = (await client.workflow.getHandle(e.id).result()) as EnrollmentProgress;
    if (result.status !== 'enrolled') throw new Error(`${e.id} ended ${result.status}`);
    return e.id;
  }

  /** The spec floor, driven as the benchmark drives an enrollment: six updates, a signal after step 3 and after 6. */
  async function specFloorRun(updateLatencies: number[]) {
    const handle = await client.workflow.start<typeof specFloorWorkflow>('specFloorWorkflow', {
      taskQueue: 'bench-floor',
      workflowId: `spec-floor-${randomUUID()}`,
      args: [STEPS, SIGNALS],
    });
    for (let step = 1; step <= STEPS; step++) {
      const t0 = performance.now();
      await handle.executeUpdate(floorStepUpdate, { args: [step] });
      updateLatencies.push(performance.now() - t0);
      if (step === 3 || step === STEPS) await handle.signal(floorConfirmSignal, `after step ${step}`);
    }
    await handle.result();
    return handle.workflowId;
  }

  async function floorRun(updateLatencies: number[]) {
    const handle = await client.workflow.start<typeof floorWorkflow>('floorWorkflow', {
      taskQueue: 'bench-floor',
      workflowId: `floor-${randomUUID()}`,
      args: [STEPS],
    });
    for (let step = 1; step <= STEPS; step++) {
      const t0 = performance.now();
      await handle.executeUpdate(floorStepUpdate, { args: [step] });
      updateLatencies.push(performance.now() - t0);
    }
    await handle.result();
    return handle.workflowId;
  }

  const results: Record<string, unknown>[] = [];
  for (const c of LEVELS) {
    console.error(`concurrency ${c}: ${N} floor workflows…`);
    const floorLatencies: number[] = [];
    let cpu0 = sampleCpu();
    let t0 = performance.now();
    const floorIds = await pool(N, c, () => floorRun(floorLatencies));
    const floorSeconds = (performance.now() - t0) / 1000;
    const floorCpu = cpuBetween(cpu0, sampleCpu());

    console.error(`concurrency ${c}: ${N} spec-floor workflows…`);
    const specFloorLatencies: number[] = [];
    cpu0 = sampleCpu();
    t0 = performance.now();
    const specFloorIds = await pool(N, c, () => specFloorRun(specFloorLatencies));
    const specFloorSeconds = (performance.now() - t0) / 1000;
    const specFloorCpu = cpuBetween(cpu0, sampleCpu());

    console.error(`concurrency ${c}: ${N} enrollments…`);
    const stepLatencies: number[][] = Array.from({ length: STEPS }, () => []);
    const step4Sent = new Map<string, number>();
    const profiler = args.profile ? await startProfiler() : undefined;
    cpu0 = sampleCpu();
    t0 = performance.now();
    const ids = await pool(N, c, () => fullEnrollment(stepLatencies, step4Sent));
    const seconds = (performance.now() - t0) / 1000;
    const enrollmentCpu = cpuBetween(cpu0, sampleCpu());
    if (profiler) console.error(`main-thread CPU profile of the enrollments: ${await profiler.stop(`c${c}`)}`);
    const created = await db
      .selectFrom('students')
      .select(['enrollment_id', 'created_at'])
      .where('enrollment_id', 'in', ids)
      .execute();
    const recordLatencies = created.map((r) => r.created_at.getTime() - step4Sent.get(r.enrollment_id)!);

    const events = async (workflowId: string) =>
      (await client.workflow.getHandle(workflowId).fetchHistory()).events!.length;
    const floor = {
      perSecond: N / floorSeconds,
      update: summarize(floorLatencies),
      historyEvents: await events(floorIds[0]!),
    };
    const specFloor = {
      perSecond: N / specFloorSeconds,
      update: summarize(specFloorLatencies),
      historyEvents: await events(specFloorIds[0]!),
    };
    const enrollment = {
      perSecond: N / seconds,
      stepSubmit: summarize(stepLatencies.flat()),
      stepSubmitByStep: stepLatencies.map(summarize),
      step4ToRecordSet: summarize(recordLatencies),
      historyEvents: await events(ids[0]!),
    };
    results.push({ concurrency: c, n: N, floor, specFloor, enrollment });
    const r = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      [
        `\n== concurrency ${c} (${N} each)`,
        `  floor:       ${floor.perSecond.toFixed(1)} workflows/s; update p50 ${floor.update.p50.toFixed(1)} ms, p95 ${floor.update.p95.toFixed(1)} ms, p99 ${floor.update.p99.toFixed(1)} ms`,
        `  spec floor:  ${specFloor.perSecond.toFixed(1)} workflows/s (${r(specFloor.perSecond, floor.perSecond)}× floor); update p50 ${specFloor.update.p50.toFixed(1)} ms (${r(specFloor.update.p50, floor.update.p50)}×), p95 ${specFloor.update.p95.toFixed(1)} ms, p99 ${specFloor.update.p99.toFixed(1)} ms (${r(specFloor.update.p99, floor.update.p99)}×)`,
        `  enrollment:  ${enrollment.perSecond.toFixed(1)} enrollments/s (${r(enrollment.perSecond, floor.perSecond)}× floor, ${r(enrollment.perSecond, specFloor.perSecond)}× spec floor)`,
        `  step submit: p50 ${enrollment.stepSubmit.p50.toFixed(1)} ms (${r(enrollment.stepSubmit.p50, floor.update.p50)}×), p95 ${enrollment.stepSubmit.p95.toFixed(1)} ms (${r(enrollment.stepSubmit.p95, floor.update.p95)}×), p99 ${enrollment.stepSubmit.p99.toFixed(1)} ms (${r(enrollment.stepSubmit.p99, floor.update.p99)}×); against the spec floor's update ${r(enrollment.stepSubmit.p50, specFloor.update.p50)}×, ${r(enrollment.stepSubmit.p95, specFloor.update.p95)}×, ${r(enrollment.stepSubmit.p99, specFloor.update.p99)}×`,
        `  by step, p50 / p99 ms: ${enrollment.stepSubmitByStep.map((s, i) => `${i + 1}: ${s.p50.toFixed(0)} / ${s.p99.toFixed(0)}`).join(', ')}`,
        `  step 4 sent → record set committed: p50 ${enrollment.step4ToRecordSet.p50.toFixed(0)} ms, p99 ${enrollment.step4ToRecordSet.p99.toFixed(0)} ms (${created.length} record sets)`,
        `  history events per workflow: floor ${floor.historyEvents}, spec floor ${specFloor.historyEvents}, enrollment ${enrollment.historyEvents}`,
        `  CPU ms per workflow, floor → spec floor → enrollment:`,
        ...cpuLines([floorCpu, specFloorCpu, enrollmentCpu], N),
      ].join('\n'),
    );
  }

  // The worker on its own, as production runs it (`npm run worker`), so its RSS is the worker's alone.
  enrollmentWorker.shutdown();
  await running[0];
  console.error(`starting a worker process and opening ${OPEN} enrollments (redeemed, step 1 submitted)…`);
  const worker = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../worker.ts')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      // As docker-compose.yml runs the worker: bounded heaps make V8 collect evicted workflows instead of growing.
      NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS ?? '--max-old-space-size=192 --max-semi-space-size=2',
      LOG_LEVEL: 'warn',
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: 'bench-enrollment',
      WORKFLOW_BUNDLE_PATH: bundlePath,
      JWT_SECRET: secrets.jwtSecret,
      PAYMENT_WEBHOOK_SECRET: secrets.paymentWebhookSecret,
      BACKGROUND_CHECK_WEBHOOK_SECRET: secrets.paymentWebhookSecret,
      PAYLOAD_ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 7).toString('base64')}`,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const rssOf = (pid: number) =>
    Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  const idle = await openEnrollment(); // answers once the new worker polls
  await http('PUT', `/v1/enrollments/${idle.id}/steps/1`, payloads[1], idle.auth);
  const rssBeforeMb = rssOf(worker.pid!);
  await pool(OPEN, 20, async () => {
    const e = await openEnrollment();
    await http('PUT', `/v1/enrollments/${e.id}/steps/1`, payloads[1], e.auth);
  });
  const memory = { openEnrollments: OPEN, workerRssBeforeMb: rssBeforeMb, workerRssWithOpenMb: rssOf(worker.pid!) };
  console.log(
    `\n== memory: worker process RSS ${memory.workerRssWithOpenMb.toFixed(0)} MB with ${OPEN} open enrollments (${memory.workerRssBeforeMb.toFixed(0)} MB with one)`,
  );
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));

  const out = path.resolve(__dirname, 'results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `enrollment-${new Date().toISOString().replaceAll(':', '-')}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      { at: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, results, memory },
      null,
      2,
    ),
  );
  console.log(`\nfigures written to ${path.relative(process.cwd(), file)}`);

  agent.destroy();
  await app.close();
  floorWorker.shutdown();
  await Promise.all(running);
  await native.close();
  await db.destroy();
  await temporal.stop();
  await postgres.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

/**
 * `--profile`: CPU profiles of the main thread and of each worker thread (the workflow VM threads) over the enrollment
 * phase only, for chrome://inspect or speedscope. Worker threads are reached through the inspector's NodeWorker domain.
 */
async function startProfiler() {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  const workers = new Map<string, string>(); // sessionId → thread title
  const pending = new Map<number, (result: any) => void>();
  let nextId = 1;
  const postToWorker = (sessionId: string, method: string) =>
    new Promise<any>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      void post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method }) });
    });
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }: any) => {
    const message = JSON.parse(params.message);
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  const attached = new Promise<void>((resolve) => {
    session.on('NodeWorker.attachedToWorker', ({ params }: any) => {
      workers.set(params.sessionId, `${params.workerInfo.title}-${params.workerInfo.workerId}`);
      resolve();
    });
  });
  await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  await Promise.race([attached, new Promise((resolve) => setTimeout(resolve, 1000))]);
  for (const sessionId of workers.keys()) {
    await postToWorker(sessionId, 'Profiler.enable');
    await postToWorker(sessionId, 'Profiler.start');
  }
  await post('Profiler.enable');
  await post('Profiler.start');
  const save = (label: string, profile: unknown) => {
    const file = path.resolve(__dirname, 'results', `enrollment-${label}-${Date.now()}.cpuprofile`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    return path.relative(process.cwd(), file);
  };
  return {
    async stop(label: string): Promise<string> {
      const files = [save(`${label}-main`, (await post('Profiler.stop')).profile)];
      for (const [sessionId, title] of workers) {
        const result = await postToWorker(sessionId, 'Profiler.stop');
        files.push(save(`${label}-${title.replace(/[^\w-]+/g, '_')}`, result.profile));
      }
      session.disconnect();
      return files.join(', ');
    },
  };
}

function cpuLines(samples: CpuSample[], n: number): string[] {
  const keys = [...new Set(samples.flatMap((sample) => Object.keys(sample)))].sort();
  const ms = (sample: CpuSample, key: string) =>
    ((key === 'total' ? Object.values(sample).reduce((a, b) => a + b, 0) : (sample[key] ?? 0)) * 1000) / n;
  return [...keys, 'total'].map(
    (key) => `    ${key.padEnd(32)} ${samples.map((sample) => ms(sample, key).toFixed(1).padStart(7)).join(' →')}`,
  );
}

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
