/**
 * `npm run ops -- <command>`: the operators' endpoints from a shell. It calls the HTTP API, so the shell and the API
 * share one implementation and every action lands in the audit log under the token's subject.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { loadConfig } from '../runtime/config';
import { resolveSecrets } from '../runtime/secrets';

const USAGE = `Operate enrollments through the TSA Enrollment Engine API.

Usage: npm run ops -- <command> [options]

Commands
  list-failed [--coach ID] [--school ID] [--status STATUS] [--limit N]
        Enrollments whose student record set failed, newest change first, with the reason and attempt count.
  retry <enrollmentId> [--corrections JSON]
        Retry creating the student record set, e.g. --corrections '{"birthDate":"2012-03-14"}' (step 4 fields).
  retry-all [--coach ID] [--school ID] [--status STATUS] [--corrections JSON]
        Retry every failed record set matching the filter (open enrollments unless --status); reports each one.
  reset <workflowId> --reason TEXT [--to last-workflow-task|first-workflow-task|EVENT_ID] [--no-reapply-signals]
        Reset the current run (default: to its last completed workflow task); prints the new run id.
  replay <workflowId> [--run-id RUN_ID]
        Replay the history against the workflow code the worker runs now; exit code 1 when not deterministic.
  export-history <workflowId> [--run-id RUN_ID] [--out FILE]
        The raw history JSON (as \`temporal workflow show --output json\` prints it; payloads stay encrypted),
        loadable with historyFromJSON and Worker.runReplayHistory. To stdout unless --out.
  clients add --name NAME [--scopes SCOPE,SCOPE]
        Register an OAuth client of the standards APIs (OneRoster, Ed-Fi); prints its id and secret (shown once).
        Default scopes: roster.readonly, roster-core.readonly and the Ed-Fi read scope; demographics only if named.
  clients list
        Registered clients, revoked ones included.
  clients revoke <clientId>
        Revoke a client: its tokens stop working at once.
  export-roster --out FILE [--since ISO]
        The OneRoster 1.2 CSV zip: a bulk snapshot, or with --since a delta of what changed after that time.

Options
  --api URL       the API (default $TSA_API_URL or http://127.0.0.1:3000)
  --token JWT     an ops token (default $TSA_TOKEN, else one signed here with JWT_SECRET or the dev secret in .data/)
  --json          machine-readable output
  -h, --help      this text

Exit codes: 0 done, 1 refused or failed (the API's message is printed), 2 wrong usage.
`;

const OPTIONS = {
  api: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  coach: { type: 'string' },
  school: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  corrections: { type: 'string' },
  reason: { type: 'string' },
  to: { type: 'string' },
  'no-reapply-signals': { type: 'boolean', default: false },
  'run-id': { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  since: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export interface OpsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: OpsIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
};

/** A wrong command line: exit code 2 with the reason and a pointer to --help. */
class UsageError extends Error {}

/** The API refused or failed: exit code 1 with its message. */
class ApiError extends Error {}

interface ApiErrorBody {
  error?: string;
  message?: string;
  issues?: { path: string; message: string }[];
}

class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = await this.raw(method, path, body);
    return JSON.parse(text) as T;
  }

  async raw(method: 'GET' | 'POST', path: string, body?: unknown): Promise<string> {
    return (await this.send(method, path, body)).text();
  }

  /** Streams a GET answer into a file; returns its size in bytes. */
  async download(path: string, file: string): Promise<number> {
    const res = await this.send('GET', path);
    if (!res.body) throw new ApiError(`GET ${path} answered no body`);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), fs.createWriteStream(file));
    return fs.statSync(file).size;
  }

  private async send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    const url = new URL(path, this.base);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const { cause } = err as { cause?: { code?: string; message?: string } };
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ApiError(`cannot reach the API at ${this.base} (${reason}); is it running? (npm start)`);
    }
    if (res.ok) return res;
    const text = await res.text();
    let parsed: ApiErrorBody = {};
    try {
      parsed = JSON.parse(text) as ApiErrorBody;
    } catch {
      // Not one of the API's own error bodies (a proxy's page, say): its status says enough.
    }
    const lines = [
      `${method} ${url.pathname} → ${res.status} ${parsed.error ?? res.statusText}: ${parsed.message ?? text}`,
    ];
    for (const issue of parsed.issues ?? []) lines.push(`  ${issue.path || '(body)'}: ${issue.message}`);
    throw new ApiError(lines.join('\n'));
  }
}

function signDevToken(env: NodeJS.ProcessEnv): string {
  const secrets = resolveSecrets(loadConfig(env));
  const sign = createSigner({ key: secrets.jwtSecret, algorithm: 'HS256', expiresIn: '10m' });
  return sign({ role: 'ops', sub: `ops-cli:${os.userInfo().username}` });
}

/** Columns padded to their widest cell; the last one runs free. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function needId(positionals: string[], what: string): string {
  const id = positionals[1];
  if (!id) throw new UsageError(`missing ${what}`);
  if (positionals.length > 2) throw new UsageError(`unexpected argument: ${positionals[2]}`);
  return id;
}

function parseCorrections(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new UsageError(`--corrections must be JSON, e.g. '{"birthDate":"2012-03-14"}'`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError('--corrections must be a JSON object of step 4 fields');
  }
  return parsed as Record<string, unknown>;
}

function parseSchool(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError('--school must be a school id (a number)');
  return Number(value);
}

function parseResetPoint(value: string | undefined): string | number {
  if (value === undefined) return 'last-workflow-task';
  if (value === 'last-workflow-task' || value === 'first-workflow-task') return value;
  if (/^\d+$/.test(value)) return Number(value);
  throw new UsageError('--to must be last-workflow-task, first-workflow-task or an event id');
}

interface ListItem {
  enrollmentId: string;
  status: string;
  currentStep: number;
  coachId: string | null;
  schoolId: number;
  studentUniqueId: string | null;
  studentRecords: { status: string; error: string | null; attempts: number };
  createdAt: string;
  updatedAt: string;
}

type Command = (api: ApiClient, values: Values, positionals: string[], io: OpsIo) => Promise<number>;

const commands: Record<string, Command> = {
  async 'list-failed'(api, values, positionals, io) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
    const limit = values.limit === undefined ? 100 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive whole number');
    const school = parseSchool(values.school);
    const items: ListItem[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({
        studentRecords: 'failed',
        limit: String(Math.min(500, limit - items.length)),
      });
      if (values.coach) query.set('coachId', values.coach);
      if (school !== undefined) query.set('schoolId', String(school));
      if (values.status) query.set('status', values.status);
      if (cursor) query.set('cursor', cursor);
      const page: { items: ListItem[]; nextCursor?: string } = await api.request('GET', `/v1/ops/enrollments?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor ?? null;
    } while (cursor && items.length < limit);

    if (values.json) {
      io.out(JSON.stringify({ items, nextCursor: cursor }, null, 2));
      return 0;
    }
    if (items.length === 0) {
      io.out('No failed student record sets match.');
      return 0;
    }
    io.out(
      table(
        ['ENROLLMENT', 'STATUS', 'STEP', 'COACH', 'SCHOOL', 'ATTEMPTS', 'UPDATED', 'ERROR'],
        items.map((i) => [
          i.enrollmentId,
          i.status,
          String(i.currentStep),
          i.coachId ?? '-',
          String(i.schoolId),
          String(i.studentRecords.attempts),
          i.updatedAt.slice(0, 19).replace('T', ' '),
          i.studentRecords.error ?? '',
        ]),
      ),
    );
    io.out(
      `\n${items.length} failed student record set${items.length === 1 ? '' : 's'}` +
        (cursor ? ` (more match: raise --limit)` : '') +
        `. Retry one: npm run ops -- retry <enrollmentId> [--corrections JSON]`,
    );
    return 0;
  },

  async retry(api, values, positionals, io) {
    const enrollmentId = needId(positionals, 'enrollment id: npm run ops -- retry <enrollmentId>');
    const corrections = parseCorrections(values.corrections);
    await api.request(
      'POST',
      `/v1/ops/enrollments/${encodeURIComponent(enrollmentId)}/student-records/retry`,
      corrections ? { corrections } : {},
    );
    if (values.json) io.out(JSON.stringify({ enrollmentId, accepted: true }));
    else {
      const fields = Object.keys(corrections ?? {});
      io.out(
        `Retry sent to ${enrollmentId}${fields.length ? ` with corrected ${fields.join(', ')}` : ''}. ` +
          `Follow it with: npm run ops -- list-failed`,
      );
    }
    return 0;
  },

  async 'retry-all'(api, values, positionals, io) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
    const corrections = parseCorrections(values.corrections);
    const school = parseSchool(values.school);
    const filter = {
      ...(values.coach ? { coachId: values.coach } : {}),
      ...(school !== undefined ? { schoolId: school } : {}),
      ...(values.status ? { status: values.status } : {}),
    };
    const { results } = await api.request<{
      results: { enrollmentId: string; outcome: 'retried' | 'error'; error?: string }[];
    }>('POST', '/v1/ops/enrollments/student-records/retry', { filter, ...(corrections ? { corrections } : {}) });
    const failed = results.filter((r) => r.outcome === 'error').length;
    if (values.json) io.out(JSON.stringify({ results }, null, 2));
    else if (results.length === 0) io.out('No failed student record sets match; nothing retried.');
    else {
      io.out(
        table(
          ['ENROLLMENT', 'OUTCOME', 'ERROR'],
          results.map((r) => [r.enrollmentId, r.outcome, r.error ?? '']),
        ),
      );
      io.out(`\n${results.length - failed} retried, ${failed} failed.`);
    }
    return failed > 0 ? 1 : 0;
  },

  async reset(api, values, positionals, io) {
    const workflowId = needId(positionals, 'workflow id: npm run ops -- reset <workflowId> --reason TEXT');
    if (!values.reason?.trim()) throw new UsageError('--reason is required: it is recorded in the workflow history');
    const result = await api.request<{
      workflowId: string;
      runId: string;
      previousRunId: string;
      resetToEventId: number;
      reapplySignals: boolean;
    }>('POST', `/v1/ops/workflows/${encodeURIComponent(workflowId)}/reset`, {
      to: parseResetPoint(values.to),
      reason: values.reason,
      reapplySignals: !values['no-reapply-signals'],
    });
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else {
      io.out(
        [
          `Reset ${workflowId} to event ${result.resetToEventId}.`,
          `  new run       ${result.runId}`,
          `  previous run  ${result.previousRunId} (terminated if it was running)`,
          `  signals       ${result.reapplySignals ? 'received after that event were reapplied' : 'not reapplied'}`,
        ].join('\n'),
      );
    }
    return 0;
  },

  async replay(api, values, positionals, io) {
    const workflowId = needId(positionals, 'workflow id: npm run ops -- replay <workflowId>');
    const query = values['run-id'] ? `?${new URLSearchParams({ runId: values['run-id'] })}` : '';
    const result = await api.request<{
      workflowId: string;
      runId: string;
      deterministic: boolean;
      error?: string;
      event?: { eventId: number; type: string };
    }>('POST', `/v1/ops/workflows/${encodeURIComponent(workflowId)}/replay${query}`);
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else if (result.deterministic) {
      io.out(`Deterministic: run ${result.runId} of ${workflowId} replays against the current workflow code.`);
    } else {
      const at = result.event ? ` at event ${result.event.eventId} (${result.event.type})` : '';
      io.out(`NOT deterministic${at}: run ${result.runId} of ${workflowId}\n  ${result.error}`);
    }
    return result.deterministic ? 0 : 1;
  },

  async 'export-history'(api, values, positionals, io) {
    const workflowId = needId(positionals, 'workflow id: npm run ops -- export-history <workflowId>');
    const query = values['run-id'] ? `?${new URLSearchParams({ runId: values['run-id'] })}` : '';
    const text = await api.raw('GET', `/v1/audit/workflows/${encodeURIComponent(workflowId)}/history.json${query}`);
    if (!values.out) {
      io.out(text);
      return 0;
    }
    fs.writeFileSync(values.out, text.endsWith('\n') ? text : `${text}\n`);
    const events = (JSON.parse(text) as { events?: unknown[] }).events?.length ?? 0;
    if (values.json) io.out(JSON.stringify({ workflowId, file: values.out, events }));
    else io.out(`Wrote ${events} events of ${workflowId} to ${values.out}.`);
    return 0;
  },
};

interface ApiClientItem {
  clientId: string;
  name: string;
  scopes: string[];
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

commands.clients = async (api, values, positionals, io) => {
  const action = positionals[1];
  if (action === 'add') {
    if (positionals.length > 2) throw new UsageError(`unexpected argument: ${positionals[2]}`);
    if (!values.name?.trim()) throw new UsageError('--name is required: who the client is, e.g. "District SIS sync"');
    const scopes = values.scopes
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const created = await api.request<ApiClientItem & { clientSecret: string }>('POST', '/v1/ops/api-clients', {
      name: values.name,
      ...(scopes ? { scopes } : {}),
    });
    if (values.json) io.out(JSON.stringify(created, null, 2));
    else {
      io.out(
        [
          `Registered ${created.name}.`,
          `  client id      ${created.clientId}`,
          `  client secret  ${created.clientSecret}   (shown only now: store it in the consumer's secret store)`,
          `  scopes         ${created.scopes.join(' ')}`,
          `Token: curl -u ${created.clientId}:<secret> -d grant_type=client_credentials ${new URL('/oauth/token', api.base)}`,
        ].join('\n'),
      );
    }
    return 0;
  }
  if (action === 'list') {
    if (positionals.length > 2) throw new UsageError(`unexpected argument: ${positionals[2]}`);
    const { clients } = await api.request<{ clients: ApiClientItem[] }>('GET', '/v1/ops/api-clients');
    if (values.json) io.out(JSON.stringify({ clients }, null, 2));
    else if (clients.length === 0)
      io.out('No API clients are registered. Add one: npm run ops -- clients add --name NAME');
    else {
      io.out(
        table(
          ['CLIENT', 'STATUS', 'CREATED', 'NAME', 'SCOPES'],
          clients.map((c) => [
            c.clientId,
            c.revokedAt ? 'revoked' : 'active',
            c.createdAt.slice(0, 19).replace('T', ' '),
            c.name,
            c.scopes.join(' '),
          ]),
        ),
      );
    }
    return 0;
  }
  if (action === 'revoke') {
    const clientId = positionals[2];
    if (!clientId) throw new UsageError('missing client id: npm run ops -- clients revoke <clientId>');
    if (positionals.length > 3) throw new UsageError(`unexpected argument: ${positionals[3]}`);
    const revoked = await api.request<ApiClientItem>(
      'POST',
      `/v1/ops/api-clients/${encodeURIComponent(clientId)}/revoke`,
    );
    if (values.json) io.out(JSON.stringify(revoked, null, 2));
    else io.out(`Revoked ${revoked.clientId} (${revoked.name}) at ${revoked.revokedAt}; its tokens no longer work.`);
    return 0;
  }
  throw new UsageError('clients needs add, list or revoke');
};

commands['export-roster'] = async (api, values, positionals, io) => {
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`);
  if (!values.out) throw new UsageError('--out FILE is required, e.g. --out roster.zip');
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
    throw new UsageError('--since must be an ISO date-time, e.g. 2026-09-01T00:00:00Z');
  }
  const query = new URLSearchParams(values.since ? { type: 'delta', since: values.since } : { type: 'bulk' });
  const bytes = await api.download(`/v1/ops/roster-export.zip?${query}`, values.out);
  const type = values.since ? `delta since ${values.since}` : 'bulk';
  if (values.json) io.out(JSON.stringify({ file: values.out, type: values.since ? 'delta' : 'bulk', bytes }));
  else io.out(`Wrote the OneRoster 1.2 CSV zip (${type}, ${bytes} bytes) to ${values.out}.`);
  return 0;
};

/** Runs one command; returns the exit code. */
export async function runOps(argv: string[], io: OpsIo = defaultIo): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    const name = positionals[0];
    if (values.help || !name) {
      (values.help ? io.out : io.err)(USAGE);
      return values.help ? 0 : 2;
    }
    const command = commands[name];
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const base = values.api ?? io.env.TSA_API_URL ?? 'http://127.0.0.1:3000';
    if (!URL.canParse(base)) throw new UsageError(`--api must be a URL like http://127.0.0.1:3000, got "${base}"`);
    const token = values.token ?? io.env.TSA_TOKEN ?? signDevToken(io.env);
    return await command(new ApiClient(base, token), values, positionals, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\nSee: npm run ops -- --help`);
      return 2;
    }
    io.err(err instanceof ApiError ? err.message : `ops: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  runOps(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
