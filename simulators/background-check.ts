/**
 * A local background-check provider shaped like Checkr: `POST /v1/candidates`, `POST /v1/invitations`,
 * `GET /v1/candidates/:id`, `GET /v1/reports/:id` (HTTP basic auth, the API key as user name), then the report's life
 * as webhook events `{id, object: "event", type, created_at, data: {object}}` signed with `X-Checkr-Signature` (hex
 * HMAC-SHA256 of the raw body). Started by `npm start` and by the tests, on its own port.
 *
 * The outcome is chosen per candidate by the last word of the last name (`Rivera-Consider` → `consider`):
 * `clear` (default), `consider`, `suspended` (then resumed and clear), `canceled`, `silent` (no final report),
 * `disputed` (clear, disputed, clear again), `duplicate` (every event delivered twice), `shuffled` (events delivered
 * newest first), `badsignature` (every delivery badly signed) and `held` (clear, delivered only when
 * `POST /__simulator/candidates/:id/release` asks). `GET /__simulator/deliveries` lists every delivery attempt.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const SCENARIOS = [
  'clear',
  'consider',
  'suspended',
  'canceled',
  'silent',
  'disputed',
  'duplicate',
  'shuffled',
  'badsignature',
  'held',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BackgroundCheckSimulatorOptions {
  apiKey: string;
  /** Signs the webhooks (the receiver's `BACKGROUND_CHECK_WEBHOOK_SECRET`). */
  webhookSecret: string;
  webhookUrl?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Time from the invitation to the first event (default 2 s). */
  deliveryDelayMs?: number;
  /** Time between a failed delivery and its retry (Checkr: a minute; default 1 s). */
  retryDelayMs?: number;
  /** Attempts per event before it is given up (default 5). */
  maxDeliveryAttempts?: number;
  log?: (line: string) => void;
}

export interface Delivery {
  eventId: string;
  type: string;
  candidateId: string;
  attempt: number;
  /** The receiver's HTTP status, or 0 when it could not be reached. */
  status: number;
  at: string;
}

interface Candidate {
  id: string;
  object: 'candidate';
  first_name: string;
  last_name: string;
  email: string;
  dob: string;
  custom_id: string | null;
  created_at: string;
}

interface Report {
  id: string;
  object: 'report';
  status: 'pending' | 'complete' | 'suspended' | 'dispute' | 'canceled';
  result: 'clear' | 'consider' | null;
  adjudication: null;
  package: string;
  candidate_id: string;
  created_at: string;
  completed_at: string | null;
}

interface WebhookEvent {
  id: string;
  object: 'event';
  type: string;
  created_at: string;
  data: { object: Record<string, unknown> };
}

export interface BackgroundCheckSimulator {
  url: string;
  setWebhookUrl(url: string): void;
  deliveries(): Delivery[];
  /** Resolves when every scheduled delivery has finished (delivered or given up). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export function scenarioOf(lastName: string): Scenario {
  const word =
    lastName
      .split(/[\s-]+/)
      .at(-1)
      ?.toLowerCase() ?? '';
  return (SCENARIOS as readonly string[]).includes(word) ? (word as Scenario) : 'clear';
}

export async function startBackgroundCheckSimulator(
  options: BackgroundCheckSimulatorOptions,
): Promise<BackgroundCheckSimulator> {
  const delay = options.deliveryDelayMs ?? 2_000;
  const retryDelay = options.retryDelayMs ?? 1_000;
  const maxAttempts = options.maxDeliveryAttempts ?? 5;
  const log = options.log ?? (() => {});
  let webhookUrl = options.webhookUrl;
  const candidates = new Map<string, Candidate>();
  const reports = new Map<string, Report>();
  const idempotent = new Map<string, { status: number; body: unknown }>();
  const held = new Map<string, () => void>();
  const deliveries: Delivery[] = [];
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const expectedAuth = `Basic ${Buffer.from(`${options.apiKey}:`).toString('base64')}`;
  const authorized = (req: http.IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(expectedAuth);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const sign = (body: string, secret: string) => createHmac('sha256', secret).update(body).digest('hex');
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function deliver(event: WebhookEvent, candidateId: string, badSignature: boolean): Promise<void> {
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= maxAttempts && !closed; attempt++) {
      let status = 0;
      try {
        const res = await fetch(webhookUrl!, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-checkr-signature': sign(body, badSignature ? `not-${options.webhookSecret}` : options.webhookSecret),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      deliveries.push({
        eventId: event.id,
        type: event.type,
        candidateId,
        attempt,
        status,
        at: new Date().toISOString(),
      });
      log(`webhook ${event.type} ${event.id} attempt ${attempt}: ${status || 'unreachable'}`);
      if (status >= 200 && status < 300) return;
      await wait(retryDelay);
    }
  }

  /** The report's life for a scenario, each event a second after the previous one. */
  function eventsFor(scenario: Scenario, candidate: Candidate, invitationId: string): WebhookEvent[] {
    const base = Date.now();
    let n = 0;
    const report: Report = {
      id: id('rpt'),
      object: 'report',
      status: 'pending',
      result: null,
      adjudication: null,
      package: 'tasker_standard',
      candidate_id: candidate.id,
      created_at: new Date(base).toISOString(),
      completed_at: null,
    };
    reports.set(report.id, report);
    const event = (type: string, object: Record<string, unknown>): WebhookEvent => ({
      id: id('evt'),
      object: 'event',
      type,
      created_at: new Date(base + 1000 * n++).toISOString(),
      data: { object },
    });
    const snapshot = (changes: Partial<Report>) => {
      Object.assign(report, changes);
      return { ...report };
    };
    const completedAt = () => new Date(base + 1000 * n).toISOString();
    const start = [
      event('invitation.completed', {
        id: invitationId,
        object: 'invitation',
        status: 'completed',
        candidate_id: candidate.id,
        report_id: report.id,
      }),
      event('report.created', snapshot({})),
    ];
    const clear = () =>
      event('report.completed', snapshot({ status: 'complete', result: 'clear', completed_at: completedAt() }));
    switch (scenario) {
      case 'consider':
        return [
          ...start,
          event('report.completed', snapshot({ status: 'complete', result: 'consider', completed_at: completedAt() })),
        ];
      case 'suspended':
        return [
          ...start,
          event('report.suspended', snapshot({ status: 'suspended' })),
          event('report.resumed', snapshot({ status: 'pending' })),
          clear(),
        ];
      case 'canceled':
        return [...start, event('report.canceled', snapshot({ status: 'canceled' }))];
      case 'silent':
        return start;
      case 'disputed':
        return [...start, clear(), event('report.disputed', snapshot({ status: 'dispute' })), clear()];
      case 'duplicate':
        return [...start, clear()].flatMap((e) => [e, e]);
      case 'shuffled':
        return [...start, clear()].reverse();
      default:
        return [...start, clear()];
    }
  }

  function schedule(scenario: Scenario, candidate: Candidate, invitationId: string): void {
    const events = eventsFor(scenario, candidate, invitationId);
    const run = (async () => {
      if (scenario === 'held') await new Promise<void>((resolve) => held.set(candidate.id, resolve));
      else await wait(delay);
      for (const event of events) {
        if (closed) return;
        if (!webhookUrl) return log('no webhook URL configured; events dropped');
        await deliver(event, candidate.id, scenario === 'badsignature');
      }
    })();
    running.add(run);
    void run.finally(() => running.delete(run));
  }

  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (data += chunk));
      req.on('end', () => resolve(data));
      req.on('error', reject);
    });

  const server = http.createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    try {
      if (req.method === 'GET' && path === '/__simulator/deliveries') return send(200, deliveries);
      const release = /^\/__simulator\/candidates\/([^/]+)\/release$/.exec(path);
      if (req.method === 'POST' && release) {
        const resume = held.get(release[1]!);
        if (!resume) return send(404, { error: 'no held events for this candidate' });
        held.delete(release[1]!);
        resume();
        return send(202, { released: true });
      }
      if (!authorized(req)) return send(401, { error: 'Bad authentication error' });

      if (req.method === 'GET') {
        const match = /^\/v1\/(candidates|reports)\/([^/]+)$/.exec(path);
        const found = match && (match[1] === 'candidates' ? candidates : reports).get(match[2]!);
        return found ? send(200, found) : send(404, { error: 'Not found' });
      }
      if (req.method !== 'POST') return send(404, { error: 'Not found' });
      const raw = await readBody(req);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, { error: 'body is not valid JSON' });
      }
      const key = req.headers['idempotency-key'];
      const replay = typeof key === 'string' ? idempotent.get(key) : undefined;
      if (replay) return send(replay.status, replay.body);
      const answer = (status: number, payload: unknown) => {
        if (typeof key === 'string' && status < 300) idempotent.set(key, { status, body: payload });
        send(status, payload);
      };

      if (path === '/v1/candidates') {
        for (const field of ['first_name', 'last_name', 'email', 'dob'] as const) {
          if (typeof body[field] !== 'string' || !body[field]) return send(400, { error: `${field} is required` });
        }
        const candidate: Candidate = {
          id: id('cand'),
          object: 'candidate',
          first_name: body.first_name as string,
          last_name: body.last_name as string,
          email: body.email as string,
          dob: body.dob as string,
          custom_id: typeof body.custom_id === 'string' ? body.custom_id : null,
          created_at: new Date().toISOString(),
        };
        candidates.set(candidate.id, candidate);
        return answer(201, candidate);
      }
      if (path === '/v1/invitations') {
        const candidate = candidates.get(String(body.candidate_id));
        if (!candidate) return send(400, { error: 'candidate_id is not a candidate of this account' });
        const invitation = {
          id: id('inv'),
          object: 'invitation',
          status: 'pending',
          candidate_id: candidate.id,
          package: typeof body.package === 'string' ? body.package : 'tasker_standard',
          invitation_url: `${simulatorUrl}/invitations/${candidate.id}`,
          created_at: new Date().toISOString(),
        };
        schedule(scenarioOf(candidate.last_name), candidate, invitation.id);
        return answer(201, invitation);
      }
      return send(404, { error: 'Not found' });
    } catch (err) {
      send(500, { error: err instanceof Error ? err.message : String(err) });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const simulatorUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url: simulatorUrl,
    setWebhookUrl: (url) => {
      webhookUrl = url;
    },
    deliveries: () => [...deliveries],
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (const resume of held.values()) resume();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
