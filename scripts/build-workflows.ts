import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { workflowBundleOptions } from '../runtime/workflow-bundle';

/**
 * `npm run build:workflows [-- OUT]`: bundles the workflow code once, ahead of time. A worker started with
 * WORKFLOW_BUNDLE_PATH loads it instead of running webpack itself, which roughly halves its resident memory.
 */
async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode(workflowBundleOptions);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
