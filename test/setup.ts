import { DefaultLogger, Runtime } from '@temporalio/worker';

// Before any worker or native connection of this test file: the SDK's own logs only when something is wrong.
Runtime.install({ logger: new DefaultLogger('WARN') });
