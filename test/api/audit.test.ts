import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { startLocalCodecServer } from '../../api/codec-server';
import type { AuditEvent } from '../../api/services/workflow-history';
import { createDb } from '../../db';
import { migrateToLatest } from '../../db/migrate';
import { AesGcmPayloadCodec, createDataConverter, payloadFromJson, payloadToJson } from '../../runtime/codec';
import type { EnrollmentProgress } from '../../workflows/messages';
import {
  bearer,
  confirmConsultation,
  confirmPayment,
  createInvitation,
  payloads,
  signedPayment,
  startEnrollment,
  submitOk,
  submitStep,
  token,
  waitForProgress,
  type Enrollment,
} from '../helpers/enrollment';
import { createScratchDatabase } from '../helpers/databases';
import { freePort } from '../helpers/ports';
import { createTestStack, TEST_SECRETS, type TestStack } from '../helpers/stack';

/** Personal data of this file's enrollment, distinctive enough that finding any of it anywhere means a leak. */
const person = {
  guardianFirst: 'Evangelina',
  guardianLast: 'Thorncastle',
  email: `evangelina.thorncastle+${randomUUID().slice(0, 8)}@example.com`,
  phone: '+1 512-555-0199',
  street: '7 Quillfeather Lane',
  studentFirst: 'Persephone',
  studentMiddle: 'Wrenna',
  studentLast: 'Marchbanks',
  birthDate: '2013-07-21',
};
const personalValues = Object.values(person);

const step1 = {
  guardian: {
    firstName: person.guardianFirst,
    lastName: person.guardianLast,
    email: person.email,
    phone: person.phone,
    relationship: 'mother',
  },
  address: { line1: person.street, city: 'Austin', state: 'TX', postalCode: '78701' },
};
const step4 = {
  ...payloads[4],
  firstName: person.studentFirst,
  middleName: person.studentMiddle,
  lastName: person.studentLast,
  birthDate: person.birthDate,
};

interface HistoryPage {
  workflowId: string;
  revealed: boolean;
  runs: { runId: string; startedBy: string; previousRunId?: string; status: string }[];
  events: AuditEvent[];
  nextCursor?: string;
}

let stack: TestStack;
let enrollment: Enrollment;
let studentUniqueId: string;
const auditor = () => bearer(token(stack, { role: 'auditor', sub: 'auditor:alice' }));
const ops = () => bearer(token(stack, { role: 'ops', sub: 'ops:olivia' }));

async function history(workflowId: string, query = '', headers = auditor()): Promise<HistoryPage> {
  const res = await stack.app.inject({
    method: 'GET',
    url: `/v1/audit/workflows/${workflowId}/history${query}`,
    headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** The text of every payload in a history: what anyone holding it (server, UI, CLI) can read without the key. */
function payloadTexts(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) value.forEach((v) => payloadTexts(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => payloadTexts(v, out));
  return out;
}

beforeAll(async () => {
  stack = await createTestStack();
  enrollment = await startEnrollment(stack);
  await submitOk(stack, enrollment, 1, step1);
  await submitOk(stack, enrollment, 2);
  await submitOk(stack, enrollment, 3);
  await confirmConsultation(stack, enrollment);
  await waitForProgress(stack, enrollment, (p) => p.steps[2]!.status === 'completed');
  await submitOk(stack, enrollment, 4, step4);
  await waitForProgress(stack, enrollment, (p) => p.studentRecords.status === 'created');
  await submitOk(stack, enrollment, 5);
  await submitOk(stack, enrollment, 6);
  await confirmPayment(stack, enrollment);
  const done = (await stack.client.workflow.getHandle(enrollment.enrollmentId).result()) as EnrollmentProgress;
  expect(done.status).toBe('enrolled');
  studentUniqueId = done.studentRecords.studentUniqueId!;
});
afterAll(async () => stack?.close());

describe('GET /v1/audit/workflows/:workflowId/history', () => {
  it('tells the enrollment as auditors read it: one-line summaries, actors, decoded payloads, in order', async () => {
    const page = await history(enrollment.enrollmentId);
    const summaries = page.events.map((e) => e.summary);

    expect(page.runs).toEqual([expect.objectContaining({ startedBy: 'start', status: 'completed' })]);
    expect(summaries[0]).toBe('workflow started');
    expect(summaries).toContain(`step 4 submitted by parent parent:${enrollment.enrollmentId}`);
    expect(summaries).toContain(`student record set created: ${studentUniqueId}`);
    expect(summaries).toContain(`student record set updated: ${studentUniqueId} (enrolled)`);
    expect(summaries).toContain('signal paymentConfirmed from payment_provider payments');
    expect(summaries).toContain('signal consultationCompleted from ops test-ops');
    expect(summaries.some((s) => /^timer started \(3 days\)$/.test(s))).toBe(true);
    expect(summaries.at(-1)).toBe('workflow completed (enrolled)');
    expect(page.events.map((e) => e.eventId)).toEqual(page.events.map((_, i) => i + 1));

    const step4Event = page.events.find((e) => e.summary.startsWith('step 4 submitted'))!;
    expect(step4Event.type).toBe('WorkflowExecutionUpdateAccepted');
    expect(step4Event.actor).toEqual({ role: 'parent', id: `parent:${enrollment.enrollmentId}` });
    // Decoded, but masked: the auditor sees the shape and the non-personal values.
    expect(step4Event.payload).toMatchObject({ step: 4, data: { firstName: '***', birthDate: '***', races: '***' } });
  });

  it('masks personal data by default: no name, birth date, e-mail, phone or street anywhere in the answer', async () => {
    const body = JSON.stringify(await history(enrollment.enrollmentId));
    for (const value of personalValues) expect(body).not.toContain(value);
    expect(body).toContain('***');
  });

  it('reveals personal data to an auditor who asks, and writes that reveal to the audit log', async () => {
    const requestId = randomUUID();
    const res = await stack.app.inject({
      method: 'GET',
      url: `/v1/audit/workflows/${enrollment.enrollmentId}/history?reveal=true`,
      headers: { ...auditor(), 'x-request-id': requestId },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().revealed).toBe(true);
    for (const value of personalValues) expect(res.body).toContain(value);

    const rows = await stack.db.selectFrom('audit_log').selectAll().where('request_id', '=', requestId).execute();
    expect(rows).toEqual([
      expect.objectContaining({
        actor: 'auditor:alice',
        role: 'auditor',
        action: 'GET /v1/audit/workflows/:workflowId/history',
        target: enrollment.enrollmentId,
        outcome: '200',
        details: expect.objectContaining({ reveal: true }),
      }),
    ]);
  });

  it('lets ops read the masked history but never reveal it; other roles and anonymous callers get nothing', async () => {
    const id = enrollment.enrollmentId;
    const url = `/v1/audit/workflows/${id}/history`;
    expect((await history(id, '', ops())).revealed).toBe(false);
    const reveal = await stack.app.inject({ method: 'GET', url: `${url}?reveal=true`, headers: ops() });
    expect(reveal.statusCode).toBe(403);
    expect(reveal.body).not.toContain(person.studentFirst);
    const parent = await stack.app.inject({ method: 'GET', url, headers: bearer(enrollment.parentToken) });
    expect(parent.statusCode).toBe(403);
    expect((await stack.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const unknown = await stack.app.inject({
      method: 'GET',
      url: '/v1/audit/workflows/TSA-ENROLL-20200101-NOSUCH/history',
      headers: auditor(),
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('pages through the events with a cursor, each event exactly once', async () => {
    const all = (await history(enrollment.enrollmentId)).events;
    const seen: AuditEvent[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await history(
        enrollment.enrollmentId,
        `?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.events.length).toBeLessThanOrEqual(7);
      seen.push(...page.events);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(Math.ceil(all.length / 7));
    expect(seen).toEqual(all);
  });

  it('follows a reset into the new run: both runs listed, the reset and the termination summarized', async () => {
    const e = await startEnrollment(stack);
    await submitOk(stack, e, 1, step1);
    const handle = stack.client.workflow.getHandle(e.enrollmentId);
    const before = await handle.describe();
    const raw = await handle.fetchHistory();
    const firstTask = raw.events!.find((ev) => ev.workflowTaskCompletedEventAttributes)!;
    const { runId: newRunId } = await stack.client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: e.enrollmentId, runId: before.runId },
      workflowTaskFinishEventId: firstTask.eventId,
      reason: 'audit test reset',
      requestId: randomUUID(),
    });
    await waitForProgress(stack, e, () => true);

    const page = await history(e.enrollmentId, '?limit=1000');
    expect(page.runs).toEqual([
      expect.objectContaining({ runId: before.runId, startedBy: 'start', status: 'terminated' }),
      expect.objectContaining({ runId: newRunId, startedBy: 'reset', previousRunId: before.runId }),
    ]);
    const summaries = page.events.map((ev) => `${ev.runId === newRunId ? 'new' : 'old'}: ${ev.summary}`);
    expect(summaries).toContain('old: workflow started');
    expect(summaries).toContain(`old: step 1 submitted by parent parent:${e.enrollmentId}`);
    expect(summaries.some((s) => s.startsWith('old: workflow terminated'))).toBe(true);
    expect(summaries).toContain(`new: reset from run ${before.runId}: audit test reset`);
    // Events the reset copied from the old run are listed once, under the old run.
    expect(summaries.filter((s) => s.endsWith(': workflow started'))).toHaveLength(1);
    await handle.terminate('audit test done');
  });
});

describe('GET /v1/audit/workflows/:workflowId/history.json', () => {
  it("is Temporal's JSON history, which the SDK replays against the current workflow code", async () => {
    const res = await stack.app.inject({
      method: 'GET',
      url: `/v1/audit/workflows/${enrollment.enrollmentId}/history.json`,
      headers: ops(),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const json = res.json();
    expect(json.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    for (const value of personalValues) expect(res.body).not.toContain(value);

    await Worker.runReplayHistory(
      {
        workflowBundle: { codePath: inject('workflowBundlePath') },
        dataConverter: createDataConverter(TEST_SECRETS.payloadKeys),
      },
      historyFromJSON(json),
      enrollment.enrollmentId,
    );
  });
});

describe('payload encryption', () => {
  it('leaves only ciphertext on the Temporal server: a client without the codec reads no personal data', async () => {
    const plainClient = new Client({ connection: stack.client.connection });
    const raw = await plainClient.workflow.getHandle(enrollment.enrollmentId).fetchHistory();
    const visible = [historyToJSON(raw), ...payloadTexts(raw)].join('\n');
    for (const value of personalValues) expect(visible).not.toContain(value);

    // The same search over the decrypted payloads finds every value: the search itself is sound.
    const codec = new AesGcmPayloadCodec(TEST_SECRETS.payloadKeys);
    const encrypted: Payload[] = [];
    const walk = (v: unknown): void => {
      if (v && typeof v === 'object' && 'data' in v && (v as Payload).data instanceof Uint8Array) {
        encrypted.push(v as Payload);
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(raw.events);
    const decrypted = payloadTexts(await codec.decode(encrypted)).join('\n');
    for (const value of personalValues) expect(decrypted).toContain(value);
  });

  it('decodes through POST /v1/codec/decode back to what the parent sent', async () => {
    const raw = await new Client({ connection: stack.client.connection }).workflow
      .getHandle(enrollment.enrollmentId)
      .fetchHistory();
    // Steps 1 to 6 were each submitted once, in order, by update: the fourth accepted update is step 4.
    const accepted = raw.events!.flatMap(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ?? [],
    );
    expect(accepted).toHaveLength(6);
    const encrypted = accepted[3]!.input!.args!.payloads!.map((p) => payloadToJson(p as Payload));

    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/codec/decode',
      headers: { ...auditor(), 'x-namespace': 'default' },
      payload: { payloads: encrypted },
    });
    expect(res.statusCode, res.body).toBe(200);
    const [message] = res.json().payloads.map((p: never) => defaultPayloadConverter.fromPayload(payloadFromJson(p)));
    expect(message).toEqual({
      step: 4,
      data: step4,
      actor: { role: 'parent', id: `parent:${enrollment.enrollmentId}` },
    });
  });

  it('encodes through POST /v1/codec/encode into ciphertext that decodes to the same payload', async () => {
    const plain = payloadToJson(defaultPayloadConverter.toPayload({ note: person.studentFirst }));
    const encoded = await stack.app.inject({
      method: 'POST',
      url: '/v1/codec/encode',
      headers: ops(),
      payload: { payloads: [plain] },
    });
    expect(encoded.statusCode, encoded.body).toBe(200);
    const [cipher] = encoded.json().payloads;
    expect(Buffer.from(cipher.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(cipher.metadata['encryption-key-id'], 'base64').toString()).toBe('test1');
    expect(Buffer.from(cipher.data, 'base64').toString('latin1')).not.toContain(person.studentFirst);

    const decoded = await stack.app.inject({
      method: 'POST',
      url: '/v1/codec/decode',
      headers: ops(),
      payload: { payloads: [cipher] },
    });
    expect(decoded.json().payloads).toEqual([plain]);
  });

  it('serves the codec to auditors and ops only, for its own namespace', async () => {
    const body = { payloads: [payloadToJson(defaultPayloadConverter.toPayload('x'))] };
    const call = (headers: Record<string, string>) =>
      stack.app.inject({ method: 'POST', url: '/v1/codec/decode', headers, payload: body });
    expect((await call({})).statusCode).toBe(401);
    expect((await call(bearer(enrollment.parentToken))).statusCode).toBe(403);
    expect((await call(bearer(token(stack, { role: 'coach' })))).statusCode).toBe(403);
    expect((await call({ ...ops(), 'x-namespace': 'default' })).statusCode).toBe(200);
    const other = await call({ ...auditor(), 'x-namespace': 'someone-else' });
    expect(other.statusCode).toBe(400);
    expect(other.json().error).toBe('unknown_namespace');
  });

  it("answers the Temporal Web UI's CORS preflight for its origin, with Authorization and X-Namespace", async () => {
    const preflight = (origin: string) =>
      stack.app.inject({
        method: 'OPTIONS',
        url: '/v1/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    for (const origin of ['http://127.0.0.1:8233', 'http://localhost:8233']) {
      const res = await preflight(origin);
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(
        /authorization.*x-namespace|x-namespace.*authorization/,
      );
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    }
    expect((await preflight('http://evil.example')).headers['access-control-allow-origin']).toBeUndefined();

    // The refusal itself carries the CORS headers, so the UI can show "401" rather than a network error.
    const refused = await stack.app.inject({
      method: 'POST',
      url: '/v1/codec/decode',
      headers: { origin: 'http://localhost:8233' },
      payload: { payloads: [] },
    });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('http://localhost:8233');
  });

  it('serves the same codec without sign-in on a loopback-only port for the local Web UI', async () => {
    const port = await freePort();
    const server = await startLocalCodecServer({
      payloadKeys: TEST_SECRETS.payloadKeys,
      namespace: 'default',
      port,
      uiOrigins: ['http://127.0.0.1:8233'],
    });
    try {
      expect(server.endpoint).toBe(`http://127.0.0.1:${port}/v1/codec`);
      const [cipher] = await new AesGcmPayloadCodec(TEST_SECRETS.payloadKeys).encode([
        defaultPayloadConverter.toPayload({ firstName: person.studentFirst }),
      ]);
      const res = await fetch(`${server.endpoint}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: 'http://127.0.0.1:8233' },
        body: JSON.stringify({ payloads: [payloadToJson(cipher!)] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
      const [plain] = ((await res.json()) as { payloads: never[] }).payloads;
      expect(defaultPayloadConverter.fromPayload(payloadFromJson(plain!))).toEqual({ firstName: person.studentFirst });
    } finally {
      await server.close();
    }
  });
});

describe('the audit log', () => {
  async function rowsOf(requestId: string) {
    return stack.db.selectFrom('audit_log').selectAll().where('request_id', '=', requestId).execute();
  }
  /** Sends with a request id of its own and returns the answer and the audit rows carrying that id. */
  async function send(options: InjectOptions) {
    const requestId = randomUUID();
    const res = await stack.app.inject({ ...options, headers: { ...options.headers, 'x-request-id': requestId } });
    return { res, rows: await rowsOf(requestId) };
  }

  it('writes one row per mutating request, with actor, action, target and outcome, and none for reads', async () => {
    const invite = await send({
      method: 'POST',
      url: '/v1/invitations',
      headers: ops(),
      payload: { parentEmail: `p-${randomUUID()}@example.com` },
    });
    expect(invite.res.statusCode).toBe(201);
    const { invitationId, invitationToken } = invite.res.json();
    expect(invite.rows).toEqual([
      expect.objectContaining({
        actor: 'ops:olivia',
        role: 'ops',
        action: 'POST /v1/invitations',
        target: invitationId,
        outcome: '201',
      }),
    ]);

    const redeemed = await send({ method: 'POST', url: '/v1/enrollments', payload: { invitationToken } });
    const { enrollmentId, parentToken } = redeemed.res.json();
    expect(redeemed.rows).toEqual([
      expect.objectContaining({
        actor: `invitation:${invitationId}`,
        role: 'parent',
        action: 'POST /v1/enrollments',
        target: enrollmentId,
        outcome: '201',
      }),
    ]);
    const again = await send({ method: 'POST', url: '/v1/enrollments', payload: { invitationToken } });
    expect(again.rows).toEqual([expect.objectContaining({ target: enrollmentId, outcome: '200' })]);

    const stepUrl = `/v1/enrollments/${enrollmentId}/steps/1`;
    const step = await send({ method: 'PUT', url: stepUrl, headers: bearer(parentToken), payload: step1 });
    expect(step.res.statusCode).toBe(200);
    expect(step.rows).toEqual([
      expect.objectContaining({
        actor: `parent:${enrollmentId}`,
        role: 'parent',
        action: 'PUT /v1/enrollments/:id/steps/:step',
        target: enrollmentId,
        outcome: '200',
        details: { step: 1 },
      }),
    ]);
    const invalid = await send({ method: 'PUT', url: stepUrl, headers: bearer(parentToken), payload: {} });
    expect(invalid.rows).toEqual([
      expect.objectContaining({ outcome: '400', details: { step: 1, error: 'invalid_request' } }),
    ]);
    const anonymous = await send({ method: 'POST', url: '/v1/invitations', payload: { parentEmail: 'a@b.example' } });
    expect(anonymous.rows).toEqual([
      expect.objectContaining({ actor: 'anonymous', action: 'POST /v1/invitations', outcome: '401' }),
    ]);
    const forged = signedPayment({ enrollmentId, ...payloads[6], status: 'succeeded' }, 'not-the-secret');
    const webhook = await send({
      method: 'POST',
      url: '/v1/webhooks/payments',
      headers: forged.headers,
      payload: forged.raw,
    });
    expect(webhook.rows).toEqual([
      expect.objectContaining({
        actor: 'payment-provider',
        role: 'payment_provider',
        target: enrollmentId,
        outcome: '401',
        details: { status: 'succeeded', amountCents: 25_000, error: 'bad_signature' },
      }),
    ]);

    // Decrypting through the codec reveals personal data: it is logged, with how many payloads, not what they hold.
    const decode = await send({
      method: 'POST',
      url: '/v1/codec/decode',
      headers: auditor(),
      payload: { payloads: [] },
    });
    expect(decode.res.statusCode).toBe(200);
    expect(decode.rows).toEqual([
      expect.objectContaining({
        role: 'auditor',
        action: 'POST /v1/codec/decode',
        outcome: '200',
        details: { payloads: 0 },
      }),
    ]);

    // Reads, and encrypting (which reveals nothing), leave no trace.
    for (const read of [
      { method: 'GET', url: `/v1/enrollments/${enrollmentId}`, headers: bearer(parentToken) },
      { method: 'GET', url: `/v1/audit/workflows/${enrollmentId}/history`, headers: auditor() },
      { method: 'GET', url: '/v1/audit/log', headers: auditor() },
      { method: 'POST', url: '/v1/codec/encode', headers: auditor(), payload: { payloads: [] } },
    ] satisfies InjectOptions[]) {
      const { res, rows } = await send(read);
      expect(res.statusCode, `${read.method} ${read.url}`).toBe(200);
      expect(rows, `${read.method} ${read.url}`).toEqual([]);
    }
    // Nothing personal reaches the log.
    const all = await stack.db.selectFrom('audit_log').selectAll().where('target', '=', enrollmentId).execute();
    for (const value of personalValues) expect(JSON.stringify(all)).not.toContain(value);
  });

  it('is filtered by actor, action, target and time and paged newest first, for auditors only', async () => {
    const e = await startEnrollment(stack);
    await submitOk(stack, e, 1, step1);
    await submitOk(stack, e, 2);
    await submitStep(stack, e, 4, step4); // out of order: 409, logged too
    const parent = `parent:${e.enrollmentId}`;
    const list = async (query: string) => {
      const res = await stack.app.inject({ method: 'GET', url: `/v1/audit/log?${query}`, headers: auditor() });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as {
        entries: { id: number; actor: string; outcome: string; details: { step?: number } }[];
        nextCursor?: string;
      };
    };

    const byTarget = await list(`target=${e.enrollmentId}`);
    expect(byTarget.entries.map((r) => `${r.actor} ${r.details.step ?? '-'} ${r.outcome}`)).toEqual([
      `${parent} 4 409`,
      `${parent} 2 200`,
      `${parent} 1 200`,
      expect.stringMatching(/^invitation:INV-\w+ - 201$/),
    ]);
    const ids = byTarget.entries.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const steps = await list(
      `actor=${encodeURIComponent(parent)}&action=${encodeURIComponent('PUT /v1/enrollments/:id/steps/:step')}`,
    );
    expect(steps.entries.map((r) => r.details.step)).toEqual([4, 2, 1]);

    const future = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    expect((await list(`target=${e.enrollmentId}&from=${encodeURIComponent(future)}`)).entries).toEqual([]);
    expect((await list(`target=${e.enrollmentId}&to=${encodeURIComponent(future)}`)).entries).toHaveLength(4);

    const first = await list(`target=${e.enrollmentId}&limit=3`);
    expect(first.entries.map((r) => r.id)).toEqual(ids.slice(0, 3));
    const second = await list(`target=${e.enrollmentId}&limit=3&cursor=${first.nextCursor}`);
    expect(second.entries.map((r) => r.id)).toEqual(ids.slice(3));
    expect(second.nextCursor).toBeUndefined();

    const asOps = await stack.app.inject({ method: 'GET', url: '/v1/audit/log', headers: ops() });
    expect(asOps.statusCode).toBe(403);
  });

  it("is append-only: the application's own connection cannot update or delete a row", async () => {
    const invitation = await createInvitation(stack);
    const row = await stack.db
      .selectFrom('audit_log')
      .select('id')
      .where('target', '=', invitation.invitationId)
      .executeTakeFirstOrThrow();
    const appDb = stack.app.services.db;
    await expect(sql`update audit_log set outcome = '200' where id = ${row.id}`.execute(appDb)).rejects.toThrow(
      /append-only/,
    );
    await expect(appDb.deleteFrom('audit_log').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(appDb)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_log`.execute(appDb)).rejects.toThrow(/append-only/);
    expect(
      await stack.db.selectFrom('audit_log').select('outcome').where('id', '=', row.id).executeTakeFirst(),
    ).toEqual({ outcome: '201' });
  });

  it('is written in the same transaction as the change: no audit row, no change; never dropped silently', async () => {
    const scratch = await createScratchDatabase();
    const scratchDb = createDb(scratch.url, { max: 2 });
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const app = buildApp({ ...stack.app.services, db: scratchDb }, { loggerInstance: logger });
    try {
      await migrateToLatest(scratchDb);
      await app.ready();
      const ok = await app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: ops(),
        payload: { parentEmail: 'first@example.com' },
      });
      expect(ok.statusCode, ok.body).toBe(201);

      // The audit store refuses from now on.
      await sql`
        create function refuse_audit() returns trigger language plpgsql as $$
        begin raise exception 'audit store unavailable'; end $$
      `.execute(scratchDb);
      await sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`.execute(
        scratchDb,
      );

      const invite = await app.inject({
        method: 'POST',
        url: '/v1/invitations',
        headers: ops(),
        payload: { parentEmail: 'second@example.com' },
      });
      expect(invite.statusCode).toBe(500);
      const redemption = await app.inject({
        method: 'POST',
        url: '/v1/enrollments',
        payload: { invitationToken: ok.json().invitationToken },
      });
      expect(redemption.statusCode).toBe(500);
      const invitations = await scratchDb.selectFrom('invitations').select(['parent_email', 'status']).execute();
      expect(invitations).toEqual([{ parent_email: 'first@example.com', status: 'pending' }]);
      expect(await scratchDb.selectFrom('enrollments').selectAll().execute()).toEqual([]);

      // A request that changes no table still gets its answer; the missing row is logged as an error with its content.
      const cancel = await app.inject({
        method: 'POST',
        url: '/v1/enrollments/TSA-ENROLL-20200101-NOSUCH/cancel',
        headers: ops(),
        payload: { reason: 'test' },
      });
      expect(cancel.statusCode).toBe(404);
      const failures = lines.map((l) => JSON.parse(l)).filter((l) => /AUDIT LOG WRITE FAILED/.test(l.msg));
      expect(failures).toContainEqual(
        expect.objectContaining({
          level: 50,
          audit: expect.objectContaining({
            action: 'POST /v1/enrollments/:id/cancel',
            target: 'TSA-ENROLL-20200101-NOSUCH',
            outcome: '404',
          }),
        }),
      );
    } finally {
      await app.close();
      await scratchDb.destroy();
      await scratch.drop();
    }
  });
});
