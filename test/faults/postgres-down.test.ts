import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db';
import { migrateToLatest } from '../../db/migrate';
import { countRecordSet } from '../../db/repositories/student-records';
import { startEmbeddedPostgres, type RunningPostgres } from '../../runtime/postgres';
import type { EnrollmentProgress } from '../../workflows/messages';
import {
  bearer,
  cancelOk,
  confirmPayment,
  startEnrollment,
  submitOk,
  throughConsultation,
  waitForProgress,
  type Enrollment,
  ONE_RECORD_SET,
} from '../helpers/enrollment';
import { freePort } from '../helpers/ports';
import { createTestStack, type TestStack } from '../helpers/stack';

let tmpDir: string;
let postgresOptions: { dataDir: string; port: number; database: string };
let postgres: RunningPostgres | undefined;
let stack: TestStack;

beforeAll(async () => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsa-pg-down-'));
  fs.chmodSync(tmpDir, 0o755); // as root, PostgreSQL runs as 'postgres' and must reach its data directory
  postgresOptions = { dataDir: path.join(tmpDir, 'data'), port: await freePort(), database: 'tsa' };
  postgres = await startEmbeddedPostgres(postgresOptions);
  const db = createDb(postgres.url, { max: 1 });
  await migrateToLatest(db);
  await db.destroy();
  stack = await createTestStack({ databaseUrl: postgres.url });
});

afterAll(async () => {
  await stack?.close();
  await postgres?.stop();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

async function health() {
  const res = await stack.app.inject({ method: 'GET', url: '/health' });
  return { status: res.statusCode, body: res.json() };
}

/** Waits until the record-set activity has failed at least once and is being retried (PostgreSQL refuses it). */
async function waitForRetriedCreation(e: Enrollment, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { pendingActivities } = await stack.client.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: e.enrollmentId },
    });
    const creation = pendingActivities?.find((a) => a.activityType?.name === 'persistEnrollment');
    if (creation && (creation.attempt ?? 0) >= 2) return creation.attempt!;
    if (Date.now() > deadline) throw new Error(`record-set creation was never retried: ${JSON.stringify(creation)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('PostgreSQL stopped while the student step is submitted', () => {
  it('keeps answering the parent, and creates the record set once when the database is back', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    expect(await health()).toEqual({ status: 200, body: { postgres: true, temporal: true } });

    await postgres!.stop();
    postgres = undefined;

    const afterStep4 = await submitOk(stack, e, 4);
    expect(afterStep4.steps[3]).toMatchObject({ step: 4, status: 'completed' });
    expect(afterStep4.studentRecords.status).toBe('creating');
    expect(afterStep4.studentRecords.studentUniqueId).toMatch(/^TSA-STU-\d{8}-[A-Z0-9]{6}$/);

    const afterStep5 = await submitOk(stack, e, 5);
    expect(afterStep5.steps[4]).toMatchObject({ step: 5, status: 'completed' });
    const afterStep6 = await submitOk(stack, e, 6);
    expect(afterStep6.steps[5]).toMatchObject({ step: 6, status: 'awaiting_confirmation' });
    expect(afterStep6.currentStep).toBe(6);

    // Creation is retried, not given up: the parent sees it still under way, never failed.
    await waitForRetriedCreation(e);
    const read = await stack.app.inject({
      method: 'GET',
      url: `/v1/enrollments/${e.enrollmentId}`,
      headers: bearer(e.parentToken),
    });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ status: 'in_progress', studentRecords: { status: 'creating' } });
    expect(await health()).toEqual({ status: 503, body: { postgres: false, temporal: true } });

    postgres = await startEmbeddedPostgres(postgresOptions);
    // The same pool serves again: its connections to the stopped server were dropped, not fatal.
    expect(await health()).toEqual({ status: 200, body: { postgres: true, temporal: true } });

    const registered = await waitForProgress(stack, e, (p) => p.studentRecords.status === 'created', 60_000);
    expect(registered.status).toBe('registered');
    expect(registered.studentRecords.studentUniqueId).toBe(afterStep4.studentRecords.studentUniqueId);

    await confirmPayment(stack, e);
    const done = (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    expect(done.status).toBe('enrolled');
    expect(done.steps.map((s) => s.status)).toEqual(Array(6).fill('completed'));
    expect(done.studentRecords).toMatchObject({
      status: 'created',
      studentUniqueId: afterStep4.studentRecords.studentUniqueId,
    });

    expect(await countRecordSet(stack.db, e.enrollmentId)).toEqual(ONE_RECORD_SET);
    // Nothing submitted while the database was away is lost.
    const record = await stack.db
      .selectFrom('students')
      .innerJoin('tsa_student_extensions as ext', 'ext.student_unique_id', 'students.student_unique_id')
      .select([
        'students.first_name',
        'students.last_name',
        'students.birth_date',
        'ext.enrollment_status',
        'ext.parent_consultation_completed',
        'ext.required_documents_complete',
        'ext.deposit_paid',
      ])
      .where('students.enrollment_id', '=', e.enrollmentId)
      .executeTakeFirstOrThrow();
    expect(record).toEqual({
      first_name: 'Sofia',
      last_name: 'Lopez',
      birth_date: '2012-03-14',
      enrollment_status: 'enrolled',
      parent_consultation_completed: true,
      required_documents_complete: true,
      deposit_paid: true,
    });

    const projection = await stack.db
      .selectFrom('enrollments')
      .select(['status', 'current_step', 'student_unique_id', 'student_records_status', 'student_records_error'])
      .where('enrollment_id', '=', e.enrollmentId)
      .executeTakeFirstOrThrow();
    expect(projection).toEqual({
      status: done.status,
      current_step: done.currentStep,
      student_unique_id: done.studentRecords.studentUniqueId,
      student_records_status: 'created',
      student_records_error: null,
    });
  });

  it('withdraws a record set whose first write lands after the enrollment was cancelled', async () => {
    const e = await startEnrollment(stack);
    await throughConsultation(stack, e);
    await postgres!.stop();
    postgres = undefined;

    await submitOk(stack, e, 4);
    // The write is retried while the database is away; the parent cancels meanwhile, with nothing written yet.
    await waitForRetriedCreation(e);
    await cancelOk(stack, e);
    await waitForProgress(stack, e, (p) => p.status === 'cancelled');

    postgres = await startEmbeddedPostgres(postgresOptions);
    const done = (await stack.client.workflow.getHandle(e.enrollmentId).result()) as EnrollmentProgress;
    expect(done.status).toBe('cancelled');
    const uid = done.studentRecords.studentUniqueId!;
    const extension = await stack.db
      .selectFrom('tsa_student_extensions')
      .select('enrollment_status')
      .where('student_unique_id', '=', uid)
      .executeTakeFirstOrThrow();
    const user = await stack.db
      .selectFrom('users')
      .select(['status', 'enabled_user'])
      .where('sourced_id', '=', `student_${uid}`)
      .executeTakeFirstOrThrow();
    // The late write created the records; the enrollment's cancellation withdrew them.
    expect(extension.enrollment_status).toBe('withdrawn');
    expect(user).toEqual({ status: 'tobedeleted', enabled_user: false });
  });
});
