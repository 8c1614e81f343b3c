import path from 'node:path';
import { z } from 'zod';

/** Thrown when the environment cannot be turned into a configuration; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(1).max(65535);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
      .optional(),
  ),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  TEMPORAL_ADDRESS: optionalString.pipe(
    z
      .string()
      .regex(/^[^:\s]+:\d+$/, 'must be host:port')
      .optional(),
  ),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('tsa-enrollment'),
  TEMPORAL_CLI: optionalString,
  WORKFLOW_BUNDLE_PATH: optionalString,
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(50),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  CODEC_PORT: port.default(8234),
  TEMPORAL_UI_ORIGIN: optionalString.pipe(
    z
      .string()
      .regex(
        /^https?:\/\/[^/\s,]+(,https?:\/\/[^/\s,]+)*$/,
        'must be an origin like http://127.0.0.1:8233 (comma-separated)',
      )
      .optional(),
  ),
  DEFAULT_SCHOOL_ID: z.coerce.number().int().positive().default(1),
  JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  PAYMENT_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  BACKGROUND_CHECK_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  BACKGROUND_CHECK_API_URL: optionalString.pipe(
    z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL, e.g. https://api.checkr.com')
      .optional(),
  ),
  BACKGROUND_CHECK_API_KEY: optionalString,
  BACKGROUND_CHECK_SIMULATOR_PORT: port.default(8235),
  BACKGROUND_CHECK_SIMULATOR_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  PAYLOAD_ENCRYPTION_KEYS: optionalString.pipe(
    z
      .string()
      .regex(
        /^[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=)*$/,
        'must be keyId:base64(32 bytes)[,keyId:base64(32 bytes)...], the first one encrypts',
      )
      .optional(),
  ),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  api: { host: string; port: number };
  database: { url?: string; poolMax: number; embeddedPort: number };
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    cliPath?: string;
    /** A prebuilt workflow bundle (`npm run build:workflows`): the worker then never loads the bundler. */
    workflowBundlePath?: string;
    /** Workflows kept in the worker's memory; the rest replay from history when their next event comes. */
    maxCachedWorkflows: number;
    port: number;
    uiPort: number;
    /** Loopback-only port of the development codec server the local Web UI calls. */
    codecPort: number;
    /** Browser origins of the Temporal Web UI allowed to call the codec endpoints (CORS). */
    uiOrigins: string[];
  };
  defaultSchoolId: number;
  /** The background-check provider; the local simulator (started by `npm start`) unless `apiUrl` is set. */
  backgroundCheck: { apiUrl?: string; apiKey: string; simulatorPort: number; simulatorDelayMs: number };
  secrets: {
    jwtSecret?: string;
    paymentWebhookSecret?: string;
    backgroundCheckWebhookSecret?: string;
    payloadEncryptionKeys?: string;
  };
}

/** Reads and validates the environment once; a missing or malformed variable stops start-up with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  const e = parsed.data;
  if (e.BACKGROUND_CHECK_API_URL && !e.BACKGROUND_CHECK_API_KEY) {
    throw new ConfigError([
      { variable: 'BACKGROUND_CHECK_API_KEY', message: 'is required when BACKGROUND_CHECK_API_URL is set' },
    ]);
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: path.resolve(e.DATA_DIR),
    api: { host: e.HOST, port: e.PORT },
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, embeddedPort: e.EMBEDDED_POSTGRES_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      codecPort: e.CODEC_PORT,
      uiOrigins: e.TEMPORAL_UI_ORIGIN?.split(',') ?? [
        `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
        `http://localhost:${e.TEMPORAL_UI_PORT}`,
      ],
    },
    defaultSchoolId: e.DEFAULT_SCHOOL_ID,
    backgroundCheck: {
      apiUrl: e.BACKGROUND_CHECK_API_URL,
      apiKey: e.BACKGROUND_CHECK_API_KEY ?? 'simulator-key',
      simulatorPort: e.BACKGROUND_CHECK_SIMULATOR_PORT,
      simulatorDelayMs: e.BACKGROUND_CHECK_SIMULATOR_DELAY_MS,
    },
    secrets: {
      jwtSecret: e.JWT_SECRET,
      paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET,
      backgroundCheckWebhookSecret: e.BACKGROUND_CHECK_WEBHOOK_SECRET,
      payloadEncryptionKeys: e.PAYLOAD_ENCRYPTION_KEYS,
    },
  };
}
