import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines, one per event, for log collectors; human-readable lines (pino-pretty) when a developer watches a terminal
 * outside production.
 */
export function createLogger(level: string, name?: string): Logger {
  const options = { level, name, base: name ? { name } : undefined };
  const pretty = process.stdout.isTTY === true && process.env.NODE_ENV !== 'production';
  if (!pretty) return pino(options);
  return pino(options, pino.transport({ target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } }));
}
