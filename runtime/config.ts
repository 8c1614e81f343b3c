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

/** `perIp` or `perIp,perToken`: requests a minute. */
const rateBudget = z
  .string()
  .regex(
    /^[1-9]\d{0,6}(,[1-9]\d{0,6})?$/,
    'must be requests a minute per IP, optionally ",per token" (e.g. 30 or 600,300)',
  )
  .transform((v) => {
    const [perIp, perToken] = v.split(',').map(Number);
    return { perIp: perIp!, ...(perToken ? { perToken } : {}) };
  })
  .optional();

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
  TEMPORAL_MEMBERSHIP_PORT: port
    .max(32761, 'must be at most 32761 (Temporal keeps membership ports in a smallint)')
    .default(6933),
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
  RATE_LIMIT_REDEMPTION: optionalString.pipe(rateBudget),
  RATE_LIMIT_CREDENTIALS: optionalString.pipe(rateBudget),
  RATE_LIMIT_WEBHOOK: optionalString.pipe(rateBudget),
  RATE_LIMIT_TOKEN: optionalString.pipe(rateBudget),
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
  PAYMENT_PROVIDER_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  PAYMENT_SIMULATOR_PORT: port.default(8236),
  DEPOSIT_AMOUNT_CENTS: z.coerce.number().int().positive().max(10_000_000).default(25_000),
  OIDC_ISSUER: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OIDC_AUDIENCE: optionalString,
  OIDC_JWKS_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OIDC_ROLE_CLAIM: z.string().min(1).default('roles'),
  OIDC_CLIENT_ID: optionalString,
  OIDC_SCOPES: z
    .string()
    .regex(/(^| )openid( |$)/, 'must include openid, e.g. "openid profile"')
    .default('openid'),
  OIDC_PROVIDER_NAME: optionalString,
});

export type Env = z.infer<typeof envSchema>;
export interface RateBudgetSetting {
  perIp: number;
  perToken?: number;
}

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
    /** `npm run cluster`: the first of the server's membership ports (it uses this one and the next 6). */
    membershipPort: number;
    /** Loopback-only port of the development codec server the local Web UI calls. */
    codecPort: number;
    /** Browser origins of the Temporal Web UI allowed to call the codec endpoints (CORS). */
    uiOrigins: string[];
  };
  defaultSchoolId: number;
  /** Overrides of the API's per-route request budgets (`api/plugins/rate-limits.ts` has the defaults). */
  rateLimits: {
    redemption?: RateBudgetSetting;
    credentials?: RateBudgetSetting;
    webhook?: RateBudgetSetting;
    token?: RateBudgetSetting;
  };
  /** The background-check provider; the local simulator (started by `npm start`) unless `apiUrl` is set. */
  backgroundCheck: { apiUrl?: string; apiKey: string; simulatorPort: number; simulatorDelayMs: number };
  secrets: {
    jwtSecret?: string;
    paymentWebhookSecret?: string;
    backgroundCheckWebhookSecret?: string;
    payloadEncryptionKeys?: string;
  };
  /** The web app's peers: the payment provider (the local simulator unless PAYMENT_PROVIDER_URL) and sign-in. */
  web: {
    paymentProviderUrl?: string;
    paymentSimulatorPort: number;
    depositAmountCents: number;
    /** Staff tokens from an OpenID Connect issuer; with `signIn`, the web app also signs staff in there. */
    oidc?: {
      issuer: string;
      audience: string;
      jwksUrl?: string;
      roleClaim: string;
      signIn?: { clientId: string; scopes: string; providerName: string };
    };
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
  if (e.OIDC_ISSUER && !e.OIDC_AUDIENCE) {
    throw new ConfigError([{ variable: 'OIDC_AUDIENCE', message: 'is required with OIDC_ISSUER (the client id)' }]);
  }
  if (e.OIDC_CLIENT_ID && !e.OIDC_ISSUER) {
    throw new ConfigError([
      { variable: 'OIDC_ISSUER', message: 'is required with OIDC_CLIENT_ID (the issuer to sign in at)' },
    ]);
  }
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
      membershipPort: e.TEMPORAL_MEMBERSHIP_PORT,
      codecPort: e.CODEC_PORT,
      uiOrigins: e.TEMPORAL_UI_ORIGIN?.split(',') ?? [
        `http://127.0.0.1:${e.TEMPORAL_UI_PORT}`,
        `http://localhost:${e.TEMPORAL_UI_PORT}`,
      ],
    },
    defaultSchoolId: e.DEFAULT_SCHOOL_ID,
    rateLimits: {
      ...(e.RATE_LIMIT_REDEMPTION ? { redemption: e.RATE_LIMIT_REDEMPTION } : {}),
      ...(e.RATE_LIMIT_CREDENTIALS ? { credentials: e.RATE_LIMIT_CREDENTIALS } : {}),
      ...(e.RATE_LIMIT_WEBHOOK ? { webhook: e.RATE_LIMIT_WEBHOOK } : {}),
      ...(e.RATE_LIMIT_TOKEN ? { token: e.RATE_LIMIT_TOKEN } : {}),
    },
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
    web: {
      paymentProviderUrl: e.PAYMENT_PROVIDER_URL,
      paymentSimulatorPort: e.PAYMENT_SIMULATOR_PORT,
      depositAmountCents: e.DEPOSIT_AMOUNT_CENTS,
      ...(e.OIDC_ISSUER && e.OIDC_AUDIENCE
        ? {
            oidc: {
              issuer: e.OIDC_ISSUER,
              audience: e.OIDC_AUDIENCE,
              ...(e.OIDC_JWKS_URL ? { jwksUrl: e.OIDC_JWKS_URL } : {}),
              roleClaim: e.OIDC_ROLE_CLAIM,
              ...(e.OIDC_CLIENT_ID
                ? {
                    signIn: {
                      clientId: e.OIDC_CLIENT_ID,
                      scopes: e.OIDC_SCOPES,
                      providerName: e.OIDC_PROVIDER_NAME ?? new URL(e.OIDC_ISSUER).host,
                    },
                  }
                : {}),
            },
          }
        : {}),
    },
  };
}
