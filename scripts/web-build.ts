import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const WEB_DIR = path.resolve(__dirname, '../web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');

function newestChange(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((name) => newestChange(path.join(entry, name))));
}

/** True when `web/dist` is missing or older than any source of the web app. */
export function webBuildIsStale(): boolean {
  const built = path.join(WEB_DIST, 'index.html');
  if (!fs.existsSync(built)) return true;
  const sources = ['src', 'index.html', 'vite.config.mts'].map((name) => path.join(WEB_DIR, name));
  return Math.max(...sources.filter((s) => fs.existsSync(s)).map(newestChange)) > fs.statSync(built).mtimeMs;
}

/**
 * Builds the web app into `web/dist` with Vite (a few seconds); `force` rebuilds even when it is up to date. Vite runs
 * in a process of its own with NODE_ENV=production: under the test runner (NODE_ENV=test) it would otherwise bundle
 * React's development build.
 */
export async function buildWeb({ force = false, log = console.log } = {}): Promise<void> {
  if (!force && !webBuildIsStale()) return;
  log('building the web app (web/dist)…');
  const vite = path.join(path.dirname(require.resolve('vite/package.json')), 'bin/vite.js');
  const child = spawn(
    process.execPath,
    [vite, 'build', '--config', path.join(WEB_DIR, 'vite.config.mts'), '--logLevel', 'warn'],
    {
      env: { ...process.env, NODE_ENV: 'production', VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`building the web app failed (vite exited with ${code})`);
}

if (require.main === module) {
  buildWeb({ force: process.argv.includes('--force') }).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
