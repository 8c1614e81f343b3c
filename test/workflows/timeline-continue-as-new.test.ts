import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { buildApp } from '../../api/app';
import { createDb } from '../../db';
import { readEvents } from '../../db/repositories/timelines';
import type { Database } from '../../db/schema';
import { foldEvents } from '../../domain/timeline';
import { createDataConverter } from '../../runtime/codec';
import { startDevServer, type DevServer } from '../../runtime/temporal-server';
import {
  changeUpdate,
  timelineQuery,
  timelineWorkflowId,
  undoUpdate,
  type TimelineWorkflowInput,
} from '../../workflows/timeline/messages';
import type { coachTimelineWorkflow } from '../../workflows/timeline/workflow';
import { createWorker } from '../../worker';
import { TEST_SECRETS } from '../helpers/stack';
import { newCoachId } from '../helpers/timeline';

/** The server suggests continuing as new after this many history events (the default is 4 Ki). */
const SUGGEST_AFTER = 60;

// A dev server of its own: the history threshold is server-wide dynamic config.
let server: DevServer;
let connection: NativeConnection;
let client: Client;
let db: Kysely<Database>;
let worker: { worker: Worker; running: Promise<void> };
const taskQueue = `timeline-can-${randomUUID()}`;

beforeAll(async () => {
  server = await startDevServer({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_AFTER } });
  connection = await NativeConnection.connect({ address: server.address });
  const dataConverter = createDataConverter(TEST_SECRETS.payloadKeys);
  client = new Client({ connection, dataConverter });
  db = createDb(inject('databaseUrl'), { max: 5 });
  const w = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db,
    dataConverter,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  worker = { worker: w, running: w.run() };
});

afterAll(async () => {
  worker?.worker.shutdown();
  await worker?.running;
  await connection?.close();
  await db?.destroy();
  await server?.stop();
});

const coach = (coachId: string) => ({ actorId: coachId, triggeredBy: 'coach' as const });

it('continues as new when the server suggests it, carrying the state and undo stacks; no update is lost or doubled', async () => {
  const coachId = newCoachId();
  const input: TimelineWorkflowInput = {
    timelineId: `TSA-TL-20270101-${randomUUID()
      .slice(0, 6)
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, 'Q')}`,
    coachId,
    templateId: 'default_microschool_v1',
    name: 'Continue-as-new',
    targetLaunchDate: '2027-08-16',
    focusAreas: [],
    customizationLevel: 'minimal',
  };
  const handle = await client.workflow.start<typeof coachTimelineWorkflow>('coachTimelineWorkflow', {
    workflowId: timelineWorkflowId(input.timelineId),
    taskQueue,
    args: [input],
  });
  const firstRunId = handle.firstExecutionRunId;

  // Bursts of concurrent updates, so some arrive while a run is finishing its handlers and continuing as new.
  const reasons: string[] = [];
  for (let burst = 0; burst < 12; burst++) {
    const sent = Array.from({ length: 5 }, (_, i) => {
      const reason = `burst ${burst} change ${i}`;
      reasons.push(reason);
      return handle.executeUpdate(changeUpdate, {
        args: [
          { change: { type: 'modify', stepId: 'marketing', fields: { notes: reason } }, reason, actor: coach(coachId) },
        ],
      });
    });
    const results = await Promise.all(sent);
    expect(results.every((r) => r.event.reason?.startsWith(`burst ${burst}`))).toBe(true);
  }

  const runs = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
    runs.push(execution);
  }
  expect(runs.length).toBeGreaterThanOrEqual(3);
  expect(runs.filter((r) => r.status.name === 'RUNNING')).toHaveLength(1);
  const current = client.workflow.getHandle(handle.workflowId);
  const description = await current.describe();
  expect(description.runId).not.toBe(firstRunId);
  expect(description.historyLength).toBeLessThan(SUGGEST_AFTER * 2);

  // Each update is applied exactly once, in one sequence without gaps, across every run.
  const events = await readEvents(db, input.timelineId);
  const applied = events.filter((e) => e.type === 'modify').map((e) => e.reason);
  expect([...applied].sort()).toEqual([...reasons].sort());
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  const timeline = await current.query(timelineQuery);
  expect(timeline.sequence).toBe(1 + reasons.length);
  expect(foldEvents(events)?.steps.map((s) => s.notes)).toEqual(timeline.steps.map((s) => s.notes));

  // The audit history follows the chain of runs.
  const app = buildApp({
    db,
    temporal: client,
    taskQueue,
    defaultSchoolId: 1,
    jwtSecret: TEST_SECRETS.jwtSecret,
    paymentWebhookSecret: TEST_SECRETS.paymentWebhookSecret,
  });
  await app.ready();
  try {
    const audit = await app.inject({
      method: 'GET',
      url: `/v1/audit/workflows/${encodeURIComponent(handle.workflowId)}/history?limit=10`,
      headers: { authorization: `Bearer ${app.signToken({ role: 'auditor', sub: 'auditor-1' })}` },
    });
    expect(audit.statusCode, audit.body).toBe(200);
    const chain = audit.json().runs as { runId: string; status: string }[];
    expect(chain).toHaveLength(runs.length);
    expect(chain.filter((r) => r.status === 'continued-as-new')).toHaveLength(runs.length - 1);
  } finally {
    await app.close();
  }

  // The undo stack came along (bounded): the coach's last change is undone in the new run.
  const lastNotes = timeline.steps.find((s) => s.stepId === 'marketing')?.notes;
  const undone = await current.executeUpdate(undoUpdate, { args: [{ actor: coach(coachId) }] });
  const previous = events[events.length - 1]?.before as { notes: string | null };
  expect(undone.timeline.steps.find((s) => s.stepId === 'marketing')?.notes).toBe(previous.notes);
  expect(previous.notes).not.toBe(lastNotes);
});
