import type { BundleOptions } from '@temporalio/worker';
import path from 'node:path';

/**
 * How every workflow bundle of this project is built (the worker, `npm run build:workflows`, tests, the benchmark,
 * replays). `preloadModules`: with the SDK's reusable V8 context, each workflow instantiates the bundle's modules for
 * itself; zod is stateless, so it is instantiated once and shared (deep-frozen) by every workflow of the thread.
 */
export const workflowBundleOptions: Pick<BundleOptions, 'workflowsPath' | 'preloadModules'> = {
  workflowsPath: path.resolve(__dirname, '../workflows'),
  preloadModules: ['zod'],
};
