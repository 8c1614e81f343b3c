import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { createDataConverter } from '../../runtime/codec';
import { TEST_SECRETS } from '../helpers/stack';

const dir = path.resolve(__dirname, '../histories');
const files = fs.readdirSync(dir).filter((f) => f.startsWith('coach-onboarding-') && f.endsWith('.json'));

it('every recorded coach onboarding history replays deterministically against the current workflow code', async () => {
  for (const scenario of [
    'complete',
    'consider-then-reviewed',
    'check-canceled',
    'check-expired-then-rerequested',
    'duplicate-deliveries',
    'disputed-then-redelivered',
  ]) {
    expect(
      files.some((f) => f.startsWith(`coach-onboarding-${scenario}.`)),
      scenario,
    ).toBe(true);
  }
  const histories = files.map((file) => ({
    workflowId: file,
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))),
  }));
  const results = [];
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter: createDataConverter(TEST_SECRETS.payloadKeys),
    },
    histories,
  )) {
    results.push({ workflowId: result.workflowId, error: result.error?.message });
  }
  expect(results).toEqual(files.map((workflowId) => ({ workflowId, error: undefined })));
});
