import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { goBinary, isExecutable } from './temporal-cli';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
const SERVER_MODULE = 'go.temporal.io/server';
const GO_PACKAGES = [`${SERVER_MODULE}/cmd/server`, `${SERVER_MODULE}/cmd/tools/sql`].map(
  (pkg) => `${pkg}@v${TEMPORAL_SERVER_VERSION}`,
);
/** Where the schemas sit in the server module, and in the cache folder (copied, so runs never read Go's cache). */
const SCHEMA_PATH = path.join('schema', 'postgresql', 'v12');

export interface TemporalServerBinaries {
  /** `temporal-server`: every service (frontend, history, matching, worker) in one process. */
  server: string;
  /** `temporal-sql-tool`: creates and migrates the persistence and visibility schemas. */
  sqlTool: string;
  /** `schema/postgresql/v12` of the same release: `temporal/versioned` and `visibility/versioned`. */
  schemaDir: string;
}

/** Next to the CLI's folder in the user-level cache, so every clone on the machine (CI's too) reuses one build. */
export function temporalServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'tsa-enrollment', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function binariesIn(dir: string): TemporalServerBinaries {
  return {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, SCHEMA_PATH),
  };
}

function complete(binaries: TemporalServerBinaries): boolean {
  return (
    isExecutable(binaries.server) &&
    isExecutable(binaries.sqlTool) &&
    fs.existsSync(path.join(binaries.schemaDir, 'temporal', 'versioned')) &&
    fs.existsSync(path.join(binaries.schemaDir, 'visibility', 'versioned'))
  );
}

export function findTemporalServerBinaries(env: NodeJS.ProcessEnv = process.env): TemporalServerBinaries | undefined {
  const binaries = binariesIn(temporalServerCacheDir(env));
  return complete(binaries) ? binaries : undefined;
}

function noGoMessage(env: NodeJS.ProcessEnv): string {
  const dir = temporalServerCacheDir(env);
  return [
    `The Temporal server ${TEMPORAL_SERVER_VERSION} is not built yet (${dir}) and Go is not installed to build it.`,
    `Install Go, or build it elsewhere: GOBIN=${dir} go install ${GO_PACKAGES.join(' ')}`,
    `then rename server to temporal-server and sql to temporal-sql-tool, and copy the module's ${SCHEMA_PATH} there.`,
  ].join('\n');
}

/**
 * Builds the server and the SQL tool with `go install` and copies the module's PostgreSQL schemas next to them. All
 * of it goes to a staging folder renamed into place at the end, so an interrupted build never leaves a half-written
 * folder that later runs would trust.
 */
export async function buildTemporalServerBinaries(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.error,
): Promise<TemporalServerBinaries> {
  const go = goBinary(env);
  if (!go) throw new Error(noGoMessage(env));
  const target = temporalServerCacheDir(env);
  const staging = `${target}.build-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  log(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool with Go into ${target}.`);
  log(
    'This happens once per machine: about 3 minutes on 2 cores once the CLI build has downloaded the modules, ' +
      'longer otherwise. Later runs reuse it.',
  );
  const started = Date.now();
  const goEnv = { ...env, GOBIN: staging, CGO_ENABLED: env.CGO_ENABLED ?? '0' };
  try {
    await new Promise<void>((resolve, reject) => {
      // Outside any module, so the clone's own files never influence the build.
      const child = spawn(go, ['install', ...GO_PACKAGES], {
        cwd: os.tmpdir(),
        env: goEnv,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install ${GO_PACKAGES.join(' ')} exited with ${code}`)),
      );
    });
    fs.renameSync(path.join(staging, 'server'), path.join(staging, 'temporal-server'));
    fs.renameSync(path.join(staging, 'sql'), path.join(staging, 'temporal-sql-tool'));
    const { stdout } = await promisify(execFile)(
      go,
      ['mod', 'download', '-json', `${SERVER_MODULE}@v${TEMPORAL_SERVER_VERSION}`],
      { cwd: os.tmpdir(), env: goEnv },
    );
    const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
    // Go's module cache is read-only; the copy must not be, or a later `rm -rf` of the cache folder fails.
    fs.cpSync(path.join(moduleDir, SCHEMA_PATH), path.join(staging, SCHEMA_PATH), { recursive: true });
    chmodWritable(path.join(staging, 'schema'));
    // Another process may have finished the same build first: its folder is as good as this one.
    if (!complete(binariesIn(target))) {
      fs.rmSync(target, { recursive: true, force: true }); // an incomplete folder a killed build left
      fs.renameSync(staging, target);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`Temporal server and SQL tool built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return binariesIn(target);
}

function chmodWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodWritable(file);
    else fs.chmodSync(file, 0o644);
  }
}

/** The server, the SQL tool and the schemas: from the cache, or built into it with Go. */
export async function ensureTemporalServerBinaries(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.error,
): Promise<TemporalServerBinaries> {
  return findTemporalServerBinaries(env) ?? buildTemporalServerBinaries(env, log);
}

if (require.main === module) {
  ensureTemporalServerBinaries()
    .then((binaries) => console.log(`${binaries.server}\n${binaries.sqlTool}\n${binaries.schemaDir}`))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
