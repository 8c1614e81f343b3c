import type { Logger } from 'pino';

export interface Shutdown {
  /** Registers something started, stopped in reverse order of registration. */
  push(step: { name: string; run: () => Promise<unknown> }): void;
  /** Stops everything registered (once, whoever asks first), then exits with `code`. */
  stop(code: number): Promise<void>;
  readonly stopping: boolean;
}

/**
 * What `npm start` and `npm run cluster` share: everything they start is stopped in reverse order on the first
 * SIGINT or SIGTERM (or when a part dies), each failure logged, never skipping the rest.
 */
export function handleShutdown(logger: Logger): Shutdown {
  const steps: { name: string; run: () => Promise<unknown> }[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping…');
    for (const { name, run } of steps.reverse()) {
      await run().then(
        () => logger.debug(`${name} stopped`),
        (err: Error) => logger.error({ err }, `while stopping ${name}`),
      );
    }
    logger.info('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  return {
    push: (step) => steps.push(step),
    stop,
    get stopping() {
      return stopping;
    },
  };
}
