import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

/** A user-level cache outside the clone, so every fresh clone on the machine (CI's too) reuses one build. */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'tsa-enrollment', `temporal-${TEMPORAL_CLI_VERSION}`);
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export type CliLocation = { source: 'TEMPORAL_CLI' | 'PATH' | 'cache'; path: string };

/** Finds the Temporal CLI: `TEMPORAL_CLI`, then `PATH`, then the user-level cache. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): CliLocation | undefined {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return { source: 'TEMPORAL_CLI', path: env.TEMPORAL_CLI };
  }
  const onPath = findOnPath('temporal', env);
  if (onPath) return { source: 'PATH', path: onPath };
  const cached = path.join(temporalCliCacheDir(env), 'temporal');
  if (isExecutable(cached)) return { source: 'cache', path: cached };
  return undefined;
}

export function goBinary(env: NodeJS.ProcessEnv): string | undefined {
  return findOnPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/**
 * Builds the CLI into the cache with `go install`. The build goes to a temporary GOBIN and is renamed into
 * place, so an interrupted build never leaves a half-written binary that later runs would trust.
 */
export async function buildTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.error,
): Promise<string> {
  const go = goBinary(env);
  if (!go) throw new Error(noCliMessage(env));
  const cacheDir = temporalCliCacheDir(env);
  const staging = path.join(cacheDir, `.build-${process.pid}`);
  fs.mkdirSync(staging, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${cacheDir}.`);
  log('This happens once per machine and takes about 5 minutes on 2 cores; later runs reuse the binary.');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', GO_PACKAGE], {
      env: { ...env, GOBIN: staging, CGO_ENABLED: env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`go install ${GO_PACKAGE} exited with ${code}`)),
    );
  });
  const target = path.join(cacheDir, 'temporal');
  fs.renameSync(path.join(staging, 'temporal'), target);
  fs.rmSync(staging, { recursive: true, force: true });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return target;
}

function noCliMessage(env: NodeJS.ProcessEnv): string {
  return [
    'No Temporal CLI found and Go is not installed to build one.',
    `Either set TEMPORAL_CLI to a temporal binary (or put one on PATH, or at ${path.join(temporalCliCacheDir(env), 'temporal')}),`,
    `or install Go and run: GOBIN=${temporalCliCacheDir(env)} go install ${GO_PACKAGE}`,
  ].join('\n');
}

/** The CLI to run: found, or built when Go is present. Undefined means "let the SDK download one". */
export async function ensureTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.error,
): Promise<string | undefined> {
  const found = findTemporalCli(env);
  if (found) return found.path;
  if (goBinary(env)) return buildTemporalCli(env, log);
  log(noCliMessage(env));
  log("Falling back to the Temporal SDK's own download of the dev server (needs internet access).");
  return undefined;
}

export function temporalCliVersion(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
}

if (require.main === module) {
  ensureTemporalCli()
    .then((cli) => {
      if (!cli) process.exit(1);
      console.log(`${cli}\n${temporalCliVersion(cli)}`);
    })
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
