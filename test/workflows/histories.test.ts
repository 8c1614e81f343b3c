import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { createDataConverter } from '../../runtime/codec';
import { TEST_SECRETS } from '../helpers/stack';

const dir = path.resolve(__dirname, '../histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
const histories = files.map((file) => ({
  workflowId: file,
  history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))),
}));
const dataConverter = createDataConverter(TEST_SECRETS.payloadKeys);

/** Every path a production run takes, recorded on the 1.0 code; recordings are never deleted (docs/versioning.md). */
const SCENARIOS_1_0 = [
  'complete',
  'failed-then-retried',
  'cancelled-after-step-4',
  'expired-after-two-reminders',
  'documents-verified-by-staff',
  'payment-failed-then-succeeded',
  'invalid-signal-rejected',
  'operator-reset',
];

it('every recorded enrollment history replays deterministically against the current workflow code', async () => {
  for (const scenario of SCENARIOS_1_0) expect(files).toContain(`enrollment-${scenario}.v1.0.json`);
  const results = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter },
    histories,
  )) {
    results.push({ workflowId: result.workflowId, error: result.error?.message });
  }
  expect(results).toEqual(files.map((workflowId) => ({ workflowId, error: undefined })));
});

it('fails a workflow bundle changed without patched(): the guard bites', async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../fixtures/changed-workflow'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const complete = histories.find((h) => h.workflowId === 'enrollment-complete.v1.0.json')!;
  const replay = Worker.runReplayHistory(
    { workflowBundle: { code }, dataConverter },
    complete.history,
    complete.workflowId,
  );
  await expect(replay).rejects.toMatchObject({ name: 'DeterminismViolationError' });
});
