import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { createDataConverter } from '../../runtime/codec';
import { TEST_SECRETS } from '../helpers/stack';

const dir = path.resolve(__dirname, '../histories');
const files = fs.readdirSync(dir).filter((f) => f.startsWith('timeline-') && f.endsWith('.json'));

it('recorded launch timelines (changed, undone, reminded; a continued run) replay against the current code', async () => {
  expect(files.some((f) => f.startsWith('timeline-changed-undone-reminded.'))).toBe(true);
  expect(files.some((f) => f.startsWith('timeline-continued-run.'))).toBe(true);
  const results = [];
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: inject('workflowBundlePath') },
      dataConverter: createDataConverter(TEST_SECRETS.payloadKeys),
    },
    files.map((file) => ({
      workflowId: file,
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))),
    })),
  )) {
    results.push({ workflowId: result.workflowId, error: result.error?.message });
  }
  expect(results).toEqual(files.map((workflowId) => ({ workflowId, error: undefined })));
});
