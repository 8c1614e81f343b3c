import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../api/app';
import { countRecordSet } from '../../db/repositories/student-records';
import type { EnrollmentProgress } from '../../workflows/messages';
import {
  bearer,
  confirmPayment,
  payloads,
  startEnrollment,
  submitOk,
  throughConsultation,
  token,
  waitForProgress,
  waitForValue,
  type Enrollment,
  ONE_RECORD_SET,
} from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
const ROOT = path.resolve(__dirname, '../..');

let stack: TestStack;
let opsToken: string;
beforeAll(async () => {
  stack = await createTestStack();
  opsToken = token(stack, { role: 'ops', sub: 'ops-alice' });
});
afterAll(async () => stack?.close());

const newCoach = () => `coach-ops-${randomUUID().slice(0, 8)}`;

function ops(method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, as = opsToken) {
  return stack.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });
}

const projection = (enrollmentId: string) =>
  stack.db.selectFrom('enrollments').selectAll().where('enrollment_id', '=', enrollmentId).executeTakeFirstOrThrow();

/** An enrollment past step 4 whose record set the writer refused (a birth date after the entry date). */
async function failedEnrollment(coachId: string): Promise<Enrollment> {
  const e = await startEnrollment(stack, { coachId });
  await throughConsultation(stack, e);
  await submitOk(stack, e, 4, { ...payloads[4], birthDate: '2099-01-01' });
  await waitForProgress(stack, e, (p) => p.studentRecords.status === 'failed');
  await waitForValue(
    () => projection(e.enrollmentId),
    (row) => row.student_records_status === 'failed',
    'the projection of the failed record set',
  );
  return e;
}

async function listFailed(coachId: string) {
  const res = await ops('GET', `/v1/ops/enrollments?studentRecords=failed&coachId=${coachId}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    items: {
      enrollmentId: string;
      status: string;
      currentStep: number;
      coachId: string;
      studentRecords: { status: string; error: string | null; attempts: number };
    }[];
    nextCursor: string | null;
  };
}

describe('failed student record sets', () => {
  it('are listed with the reason and attempts, and a corrected retry creates the records; a second retry changes nothing', async () => {
    const coachId = newCoach();
    const e = await failedEnrollment(coachId);

    const listed = await listFailed(coachId);
    expect(listed.items).toEqual([
      expect.objectContaining({
        enrollmentId: e.enrollmentId,
        status: 'in_progress',
        coachId,
        studentRecords: {
          status: 'failed',
          error: expect.stringMatching(/the birth date is after the school entry date/),
          attempts: 1,
        },
      }),
    ]);

    const bad = await ops('POST', `/v1/ops/enrollments/${e.enrollmentId}/student-records/retry`, {
      corrections: { birthDate: '2012-02-30', nickname: 'Sofi' },
    });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(
      bad
        .json()
        .issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(['corrections.birthDate', 'corrections.nickname']);

    const url = `/v1/ops/enrollments/${e.enrollmentId}/student-records/retry`;
    const first = await ops('POST', url, { corrections: { birthDate: '2012-03-14' } });
    const second = await ops('POST', url, {});
    expect([first.statusCode, second.statusCode], first.body + second.body).toEqual([202, 202]);

    const created = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    expect(created.status).toBe('registered');
    const row = await waitForValue(
      () => projection(e.enrollmentId),
      (r) => r.student_records_status === 'created',
      'the projection of the created record set',
    );
    // The second retry found the records being written: no new attempt, no second set.
    expect(row.student_records_attempts).toBe(2);
    expect(row.student_unique_id).toBe(created.studentRecords.studentUniqueId);
    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
    const student = await stack.db
      .selectFrom('students')
      .select(['birth_date', 'student_unique_id'])
      .where('enrollment_id', '=', e.enrollmentId)
      .executeTakeFirstOrThrow();
    expect(student.birth_date).toBe('2012-03-14');
    expect((await listFailed(coachId)).items).toEqual([]);

    const audit = await stack.db
      .selectFrom('audit_log')
      .select(['actor', 'role', 'action', 'target', 'details'])
      .where('target', '=', e.enrollmentId)
      .where('action', '=', 'POST /v1/ops/enrollments/:id/student-records/retry')
      .where('outcome', '=', '202')
      .execute();
    expect(audit).toHaveLength(2);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'ops-alice', role: 'ops', details: { correctedFields: ['birthDate'] } }),
        expect.objectContaining({ actor: 'ops-alice', role: 'ops', details: { correctedFields: [] } }),
      ]),
    );
  });

  it('refuses a retry before step 4 (409) and for an unknown enrollment (404); the body may be left out', async () => {
    const e = await startEnrollment(stack);
    const early = await ops('POST', `/v1/ops/enrollments/${e.enrollmentId}/student-records/retry`);
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json()).toMatchObject({ error: 'student_step_missing' });
    const unknown = await ops('POST', '/v1/ops/enrollments/TSA-ENROLL-20000101-NOSUCH/student-records/retry', {});
    expect(unknown.statusCode).toBe(404);
  });

  it('are retried as a batch matching a filter, each outcome reported', async () => {
    const coachId = newCoach();
    const otherCoach = newCoach();
    const [a, b, c, other] = await Promise.all([
      failedEnrollment(coachId),
      failedEnrollment(coachId),
      failedEnrollment(coachId),
      failedEnrollment(otherCoach),
    ]);
    const res = await ops('POST', '/v1/ops/enrollments/student-records/retry', {
      filter: { coachId },
      corrections: { birthDate: '2012-03-14' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json() as { results: { enrollmentId: string; outcome: string }[] };
    expect(results.map((r) => r.enrollmentId).sort()).toEqual([a, b, c].map((e) => e!.enrollmentId).sort());
    expect(results.every((r) => r.outcome === 'retried')).toBe(true);

    for (const e of [a!, b!, c!]) {
      await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
      expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
    }
    expect((await listFailed(otherCoach)).items.map((i) => i.enrollmentId)).toEqual([other!.enrollmentId]);
  });

  it('pages through the projection with an opaque cursor, newest change first', async () => {
    const coachId = newCoach();
    const enrollments = await Promise.all([1, 2, 3].map(() => startEnrollment(stack, { coachId })));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `coachId=${coachId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await ops('GET', `/v1/ops/enrollments?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: { enrollmentId: string; updatedAt: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.enrollmentId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(enrollments.map((e) => e.enrollmentId).sort());

    const bad = await ops('GET', '/v1/ops/enrollments?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/cursor/);
  });
});

describe('reset', () => {
  it('to the last workflow task of a running enrollment starts a new run that finishes with one record set', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    await submitOk(stack, e, 4);
    const before = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    const oldRunId = (await stack.client.workflow.getHandle(e.enrollmentId).describe()).runId;

    const noReason = await ops('POST', `/v1/ops/workflows/${e.enrollmentId}/reset`, { to: 'last-workflow-task' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().issues).toEqual([expect.objectContaining({ path: 'reason' })]);
    const notATask = await ops('POST', `/v1/ops/workflows/${e.enrollmentId}/reset`, { to: 1, reason: 'x' });
    expect(notATask.statusCode).toBe(400);
    expect(notATask.json().message).toMatch(/event 1 is WorkflowExecutionStarted/);

    const res = await ops('POST', `/v1/ops/workflows/${e.enrollmentId}/reset`, {
      to: 'last-workflow-task',
      reason: 'ops test: reset after step 4',
    });
    expect(res.statusCode, res.body).toBe(200);
    const reset = res.json();
    expect(reset).toMatchObject({
      workflowId: e.enrollmentId,
      previousRunId: oldRunId,
      reason: 'ops test: reset after step 4',
      reapplySignals: true,
    });
    expect(reset.runId).not.toBe(oldRunId);

    const handle = stack.client.workflow.getHandle(e.enrollmentId);
    expect((await handle.describe()).runId).toBe(reset.runId);
    expect((await stack.client.workflow.getHandle(e.enrollmentId, oldRunId).describe()).status.name).toBe('TERMINATED');
    // Temporal records the reason in the new run's history, at the event the reset went back to.
    const history = await stack.client.workflow.getHandle(e.enrollmentId, reset.runId).fetchHistory();
    const marker = history.events!.find(
      (ev) =>
        ev.workflowTaskFailedEventAttributes?.cause ===
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
    );
    expect(marker?.workflowTaskFailedEventAttributes?.failure?.message).toBe('ops test: reset after step 4');
    expect(marker?.workflowTaskFailedEventAttributes?.baseRunId).toBe(oldRunId);

    // The new run carries on where the old one was.
    const after = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
    expect(after.studentRecords.studentUniqueId).toBe(before.studentRecords.studentUniqueId);
    await submitOk(stack, e, 5);
    await submitOk(stack, e, 6);
    await confirmPayment(stack, e);
    const done = (await handle.result()) as EnrollmentProgress;
    expect(done.status).toBe('enrolled');
    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);

    // A reset history replays like any other.
    const replay = await ops('POST', `/v1/ops/workflows/${e.enrollmentId}/replay`);
    expect(replay.json()).toMatchObject({ runId: reset.runId, deterministic: true });
  });

  it("to the first workflow task reapplies the parent's step submissions (updates) and signals", async () => {
    const e = await startEnrollment(stack);
    await submitOk(stack, e, 1);
    await submitOk(stack, e, 2);
    const res = await ops('POST', `/v1/ops/workflows/${e.enrollmentId}/reset`, {
      to: 'first-workflow-task',
      reason: 'ops test: replay everything on the new run',
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = await waitForProgress(stack, e, (p) => p.steps[1]!.status === 'completed');
    expect(after.steps.slice(0, 2).map((s) => s.status)).toEqual(['completed', 'completed']);

    const other = await startEnrollment(stack);
    await submitOk(stack, other, 1);
    const without = await ops('POST', `/v1/ops/workflows/${other.enrollmentId}/reset`, {
      to: 'first-workflow-task',
      reason: 'ops test: start over',
      reapplySignals: false,
    });
    expect(without.statusCode, without.body).toBe(200);
    const fresh = await stack.client.workflow
      .getHandle(other.enrollmentId, without.json().runId)
      .query<EnrollmentProgress>('progress');
    expect(fresh.steps.map((s) => s.status)).toEqual(Array(6).fill('pending'));
  });

  it('answers 404 for an unknown workflow', async () => {
    const res = await ops('POST', '/v1/ops/workflows/TSA-ENROLL-20000101-NOSUCH/reset', {
      to: 'last-workflow-task',
      reason: 'x',
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('replay', () => {
  let recorded: Enrollment;
  beforeAll(async () => {
    recorded = await startEnrollment(stack);
    await throughConsultation(stack, recorded);
    await submitOk(stack, recorded, 4);
    await waitForProgress(stack, recorded, (p) => p.studentRecords.status === 'created');
  });

  it("says a real enrollment's history is deterministic against the current code", async () => {
    const res = await ops('POST', `/v1/ops/workflows/${recorded.enrollmentId}/replay`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ workflowId: recorded.enrollmentId, deterministic: true });
    expect(res.json().error).toBeUndefined();
  });

  it('reports a deliberately changed workflow as non-deterministic, naming the event', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '../fixtures/changed-workflow'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const changed = buildApp({ ...stack.app.services, workflowBundle: { code } });
    try {
      const res = await changed.inject({
        method: 'POST',
        url: `/v1/ops/workflows/${recorded.enrollmentId}/replay`,
        headers: bearer(opsToken),
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ deterministic: false, errorType: 'DeterminismViolationError' });
      expect(body.error).toMatch(/nondeterminism/i);
      // The changed code's first command sets a search attribute; the recording's first task started a timer.
      const history = await stack.client.workflow.getHandle(recorded.enrollmentId).fetchHistory();
      const firstTask = history.events!.find((ev) => ev.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!;
      const firstCommandId = Number(firstTask.eventId) + 1;
      expect(body.event).toEqual({ eventId: firstCommandId, type: expect.any(String) });
      expect(body.error.startsWith(`event ${firstCommandId} (${body.event.type}): `)).toBe(true);
    } finally {
      await changed.close();
    }
  });

  it('answers 404 for an unknown workflow', async () => {
    const res = await ops('POST', '/v1/ops/workflows/TSA-ENROLL-20000101-NOSUCH/replay');
    expect(res.statusCode).toBe(404);
  });
});

describe('who may operate', () => {
  const routes: [method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>][] = [
    ['GET', '/v1/ops/enrollments?studentRecords=failed'],
    ['POST', '/v1/ops/enrollments/TSA-ENROLL-20260101-ABC123/student-records/retry', {}],
    ['POST', '/v1/ops/enrollments/student-records/retry', { filter: {} }],
    ['POST', '/v1/ops/workflows/TSA-ENROLL-20260101-ABC123/reset', { to: 'last-workflow-task', reason: 'x' }],
    ['POST', '/v1/ops/workflows/TSA-ENROLL-20260101-ABC123/replay'],
  ];

  it('only ops: other roles get 403, no token 401', async () => {
    const others = [
      token(stack, { role: 'auditor' }),
      token(stack, { role: 'coach', sub: 'coach-1' }),
      token(stack, { role: 'parent', enrollmentId: 'TSA-ENROLL-20260101-ABC123' }),
    ];
    for (const [method, url, payload] of routes) {
      for (const t of others) {
        const res = await ops(method, url, payload, t);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
      }
      const anonymous = await stack.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});

describe('OpenAPI', () => {
  it('describes every ops endpoint under the ops tag', async () => {
    const docs = await stack.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode, docs.body).toBe(200);
    const paths = docs.json().paths;
    const ops = [
      paths['/v1/ops/enrollments'].get,
      paths['/v1/ops/enrollments/{id}/student-records/retry'].post,
      paths['/v1/ops/enrollments/student-records/retry'].post,
      paths['/v1/ops/workflows/{workflowId}/reset'].post,
      paths['/v1/ops/workflows/{workflowId}/replay'].post,
    ];
    for (const operation of ops) expect(operation.tags).toEqual(['ops']);
    const reset = paths['/v1/ops/workflows/{workflowId}/reset'].post.requestBody.content['application/json'].schema;
    expect(reset.required).toEqual(expect.arrayContaining(['to', 'reason']));
  });
});

describe('npm run ops', () => {
  const execFileAsync = promisify(execFile);
  let base: string;
  beforeAll(async () => {
    base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  });

  const run = (...args: string[]) =>
    execFileAsync(process.execPath, ['--import', 'tsx', 'scripts/ops.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, TSA_API_URL: base, TSA_TOKEN: opsToken },
    });

  it('explains itself with --help', async () => {
    const { stdout } = await run('--help');
    for (const command of ['list-failed', 'retry', 'retry-all', 'reset', 'replay', 'export-history', '--json']) {
      expect(stdout).toContain(command);
    }
  });

  it('lists failed enrollments as JSON and as a table, and exports a history that replays', async () => {
    const coachId = newCoach();
    const e = await failedEnrollment(coachId);

    const json = JSON.parse((await run('list-failed', '--coach', coachId, '--json')).stdout);
    expect(json.items).toEqual([
      expect.objectContaining({
        enrollmentId: e.enrollmentId,
        studentRecords: expect.objectContaining({ attempts: 1 }),
      }),
    ]);
    const { stdout: text } = await run('list-failed', '--coach', coachId);
    expect(text).toMatch(new RegExp(`^ENROLLMENT\\s+STATUS\\s+STEP`, 'm'));
    expect(text).toContain(e.enrollmentId);
    expect(text).toContain('the birth date is after the school entry date');

    const file = path.join(inject('tmpDir'), `${e.enrollmentId}.json`);
    await run('export-history', e.enrollmentId, '--out', file);
    const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(history.events?.[0]?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: stack.app.services.dataConverter },
      history,
    );

    const { stdout: retried } = await run('retry', e.enrollmentId, '--corrections', '{"birthDate":"2012-03-14"}');
    expect(retried).toContain(`Retry sent to ${e.enrollmentId} with corrected birthDate`);
    await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');

    const { stdout: replayed } = await run('replay', e.enrollmentId);
    expect(replayed).toMatch(/^Deterministic: run \S+ of TSA-ENROLL-/);
    const reset = JSON.parse((await run('reset', e.enrollmentId, '--reason', 'cli check', '--json')).stdout);
    expect(reset).toMatchObject({ workflowId: e.enrollmentId, reason: 'cli check', reapplySignals: true });
    expect((await stack.client.workflow.getHandle(e.enrollmentId).describe()).runId).toBe(reset.runId);
  });

  it('retries a batch from the shell, reporting each one', async () => {
    const coachId = newCoach();
    const e = await failedEnrollment(coachId);
    const { stdout } = await run('retry-all', '--coach', coachId, '--corrections', '{"birthDate":"2012-03-14"}');
    expect(stdout).toMatch(new RegExp(`^${e.enrollmentId}\\s+retried`, 'm'));
    expect(stdout).toContain('1 retried, 0 failed.');
    await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created');
  });

  it('exits 2 on wrong usage and 1 with the API message when refused', async () => {
    await expect(run('reset', 'TSA-ENROLL-20260101-ABC123')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--reason is required'),
    });
    await expect(run('retry', 'not-an-id')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('400 invalid_request'),
    });
  });
});
