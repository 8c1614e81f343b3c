/**
 * `HISTORIES_OLD_WORKFLOWS=<an older checkout>/workflows HISTORIES_TAG=<tag> npm run histories:record-rescue` records
 * an enrollment that the older workflow code left waiting (a retry with corrections that arrived while the last
 * `enrollments` write ran, before `records-retried-until-workflow-ends`), which this checkout's code then takes over
 * and an operator's next retry rescues. Its history proves both that such a run replays on the new code and that it
 * can be finished. Payloads are encrypted with the test key, as in record.histories.ts.
 *
 * The v6 file was recorded with the older code at 148389c (the commit before the patch): `git worktree add
 * /tmp/old 148389c`, with `node_modules` linked into it (the bundler resolves the workflow's imports from there).
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, NativeConnection } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { createDataConverter } from '../../runtime/codec';
import { createWorker } from '../../worker';
import { retryStudentRecordsSignal, type EnrollmentProgress } from '../../workflows/messages';
import { waitForValue } from '../helpers/enrollment';
import { birthDateInDatabase, pendingActivities, retryWhileRowWriteRuns } from '../helpers/late-retry';
import { createTestStack, TEST_SECRETS } from '../helpers/stack';

const TAG = process.env.HISTORIES_TAG ?? new Date().toISOString().slice(0, 10);
const OLD_WORKFLOWS = process.env.HISTORIES_OLD_WORKFLOWS;

it(`records enrollment-stuck-then-rescued.${TAG}.json`, async () => {
  if (!OLD_WORKFLOWS) throw new Error('HISTORIES_OLD_WORKFLOWS names the older workflows/ folder');
  const file = path.join(__dirname, `enrollment-stuck-then-rescued.${TAG}.json`);
  if (fs.existsSync(file)) throw new Error(`${file} exists: recordings never replace older ones (HISTORIES_TAG)`);
  const oldBundle = await bundleWorkflowCode({ workflowsPath: path.resolve(OLD_WORKFLOWS) });
  const stack = await createTestStack({ startWorker: false });
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  try {
    const oldWorker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue: stack.taskQueue,
      db: stack.db,
      dataConverter: createDataConverter(TEST_SECRETS.payloadKeys),
      workflowBundle: { code: oldBundle.code },
    });
    const oldRunning = oldWorker.run();
    const e = await retryWhileRowWriteRuns(stack);
    const handle = stack.client.workflow.getHandle(e.enrollmentId);

    // The older code: the row is written, the second correction never is, and the enrollment waits.
    await waitForValue(() => pendingActivities(stack, e), (p) => p.length === 0, 'the last row write');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await birthDateInDatabase(stack, e.enrollmentId)).toBe('2012-03-14');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    oldWorker.shutdown();
    await oldRunning;

    // This checkout's code takes over and waits on as before; an operator's next retry finishes the enrollment.
    await stack.startWorker();
    expect((await handle.query<EnrollmentProgress>('progress')).status).toBe('enrolled');
    expect(await birthDateInDatabase(stack, e.enrollmentId)).toBe('2012-03-14');
    await handle.signal(retryStudentRecordsSignal, { actor: { role: 'ops', id: 'test-ops' } });
    const done = (await handle.result()) as EnrollmentProgress;
    expect(done.studentRecords.status).toBe('created');
    expect(await birthDateInDatabase(stack, e.enrollmentId)).toBe('2012-03-15');
    fs.writeFileSync(file, historyToJSON(await handle.fetchHistory()) + '\n');
  } finally {
    await stack.close();
    await connection.close();
  }
});
