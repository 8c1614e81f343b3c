import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { parseEnv } from 'node:util';

/** The secrets production refuses to start without, plus the PostgreSQL password `docker-compose.yml` asks for. */
function generateSecrets(): Record<string, string> {
  return {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
    BACKGROUND_CHECK_WEBHOOK_SECRET: randomBytes(32).toString('base64url'),
    PAYLOAD_ENCRYPTION_KEYS: `local1:${randomBytes(32).toString('base64')}`,
    POSTGRES_PASSWORD: randomBytes(24).toString('base64url'),
  };
}

/**
 * Reads a dotenv file, writing one with fresh random secrets first when it does not exist (mode 0600; `.gitignore`
 * and `.dockerignore` keep it out of commits and images). The same file is what `docker compose` reads next to
 * `docker-compose.yml`. Returns the file's variables with the process environment's winning over them.
 */
export function loadOrCreateEnvFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { env: NodeJS.ProcessEnv; created: boolean } {
  let created = false;
  if (!fs.existsSync(file)) {
    const lines = [
      '# Generated once by `npm run cluster` for local use: the secrets the production shape requires.',
      '# Variables set in the environment win over these. Never commit this file.',
      ...Object.entries(generateSecrets()).map(([name, value]) => `${name}=${value}`),
      '',
    ];
    try {
      fs.writeFileSync(file, lines.join('\n'), { mode: 0o600, flag: 'wx' });
      created = true;
    } catch (err) {
      // Another process wrote it first: its secrets win.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return { env: { ...parseEnv(fs.readFileSync(file, 'utf8')), ...env }, created };
}
