import type { BundleOptions } from '@temporalio/worker';
import path from 'node:path';

/** How every workflow bundle of this project is built: the worker, `npm run build:workflows`, tests, the benchmark. */
export const workflowBundleOptions: Pick<BundleOptions, 'workflowsPath'> = {
  workflowsPath: path.resolve(__dirname, '../workflows'),
};
