import type { ConnectionLike } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import { ensureTemporalCli } from './temporal-cli';

const { IndexedValueType } = temporal.api.enums.v1;

const INDEXED_VALUE_TYPE = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as const;

/**
 * Registers the custom search attributes the workflows set, when missing. `--search-attribute` only applies when
 * a dev server creates its namespace, so a persisted dev server (and any existing cluster) is brought up to date here.
 */
export async function ensureSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]])),
  });
  return missing.map((key) => key.name);
}

export interface DevServerOptions {
  /** SQLite file that keeps workflows across restarts; in memory when absent. */
  dbFilename?: string;
  port?: number;
  /** Serve the Web UI on this port; headless when absent. */
  uiPort?: number;
  namespace?: string;
  /** Codec endpoint the Web UI calls to decode payloads. */
  uiCodecEndpoint?: string;
  log?: (line: string) => void;
  /** Extra dynamic config values (`--dynamic-config-value KEY=VALUE`), e.g. a lowered history threshold for a test. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  connection: ConnectionLike;
  stop(): Promise<void>;
}

/** Starts the Temporal CLI dev server (provisioning the CLI first) and registers the search attributes. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  const cli = await ensureTemporalCli(process.env, options.log);
  const extraArgs = ['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'];
  if (options.uiCodecEndpoint) extraArgs.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    extraArgs.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: options.port,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      namespace,
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs,
    },
  });
  await ensureSearchAttributes(env.connection, namespace);
  return {
    address: env.address,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    connection: env.connection,
    stop: () => env.teardown(),
  };
}
