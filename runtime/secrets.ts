import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from './config';

export interface PayloadKey {
  id: string;
  key: Buffer;
}

export interface Secrets {
  jwtSecret: string;
  paymentWebhookSecret: string;
  backgroundCheckWebhookSecret: string;
  /** The first key encrypts; every key decrypts, so old key ids keep working after a rotation. */
  payloadKeys: PayloadKey[];
}

type StoredSecrets = Omit<Secrets, 'payloadKeys'> & { payloadEncryptionKeys: string };

export function parsePayloadKeys(spec: string): PayloadKey[] {
  return spec.split(',').map((entry) => {
    const [id, base64] = entry.split(':') as [string, string];
    return { id, key: Buffer.from(base64, 'base64') };
  });
}

function generate(): StoredSecrets {
  return {
    jwtSecret: randomBytes(32).toString('base64url'),
    paymentWebhookSecret: randomBytes(24).toString('base64url'),
    backgroundCheckWebhookSecret: randomBytes(24).toString('base64url'),
    payloadEncryptionKeys: `dev1:${randomBytes(32).toString('base64')}`,
  };
}

/**
 * Secrets come from the environment. In development and tests the unset ones are generated once and kept in
 * `<dataDir>/secrets.json`, so tokens and encrypted histories stay readable across restarts; in production an
 * unset secret stops start-up.
 */
export function resolveSecrets(config: Config): Secrets {
  const fromEnv = {
    jwtSecret: config.secrets.jwtSecret,
    paymentWebhookSecret: config.secrets.paymentWebhookSecret,
    backgroundCheckWebhookSecret: config.secrets.backgroundCheckWebhookSecret,
    payloadEncryptionKeys: config.secrets.payloadEncryptionKeys,
  };
  const names: Record<keyof StoredSecrets, string> = {
    jwtSecret: 'JWT_SECRET',
    paymentWebhookSecret: 'PAYMENT_WEBHOOK_SECRET',
    backgroundCheckWebhookSecret: 'BACKGROUND_CHECK_WEBHOOK_SECRET',
    payloadEncryptionKeys: 'PAYLOAD_ENCRYPTION_KEYS',
  };
  const missing = (Object.keys(names) as (keyof StoredSecrets)[]).filter((k) => fromEnv[k] === undefined);
  let stored: StoredSecrets | undefined;
  if (missing.length > 0) {
    if (config.env === 'production') {
      throw new ConfigError(missing.map((k) => ({ variable: names[k], message: 'is required in production' })));
    }
    stored = loadOrCreateStored(path.join(config.dataDir, 'secrets.json'));
  }
  const pick = (k: keyof StoredSecrets): string => fromEnv[k] ?? stored![k];
  return {
    jwtSecret: pick('jwtSecret'),
    paymentWebhookSecret: pick('paymentWebhookSecret'),
    backgroundCheckWebhookSecret: pick('backgroundCheckWebhookSecret'),
    payloadKeys: parsePayloadKeys(pick('payloadEncryptionKeys')),
  };
}

function loadOrCreateStored(file: string): StoredSecrets {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as StoredSecrets;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fresh = generate();
  try {
    // 'wx' fails when another process created the file first; then its secrets win.
    fs.writeFileSync(file, JSON.stringify(fresh, null, 2), { mode: 0o600, flag: 'wx' });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(fs.readFileSync(file, 'utf8'));
    throw err;
  }
}
