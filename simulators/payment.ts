import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A payment provider's hosted checkout, as a local HTTP peer (shaped like Stripe Checkout): the merchant's server
 * creates a checkout session (`POST /v1/checkout/sessions`) and sends the payer's browser to the session's `url`;
 * the payer clicks "Pay" (or "Decline"), the provider sends its signed webhook to the merchant
 * (`X-Signature: sha256=<hex HMAC-SHA256 of the body>`) and redirects the browser to the session's success URL.
 * Sessions live in memory: a restarted simulator forgets them, as an expired session would be.
 */
export interface PaymentSimulatorOptions {
  /** Where the signed webhook goes: the API's `POST /v1/webhooks/payments`. */
  webhookUrl: string;
  webhookSecret: string;
  host?: string;
  /** 0 picks a free one. */
  port?: number;
}

export interface CheckoutSession {
  id: string;
  url: string;
  client_reference_id: string;
  amount_total: number;
  currency: string;
  success_url: string;
  cancel_url: string;
  status: 'open' | 'complete';
  payment_status: 'unpaid' | 'paid' | 'declined';
}

export interface PaymentSimulator {
  url: string;
  sessions: ReadonlyMap<string, CheckoutSession>;
  close(): Promise<void>;
}

const WEBHOOK_ATTEMPTS = 5;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function checkoutPage(session: CheckoutSession): string {
  const amount = (session.amount_total / 100).toFixed(2);
  const currency = session.currency.toUpperCase();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout: ${amount} ${currency}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#111}
button{font-size:1.1rem;padding:.75rem 1.5rem;margin:.5rem .5rem 0 0;border-radius:.4rem;border:2px solid #1b4d89}
.pay{background:#1b4d89;color:#fff}.decline{background:#fff;color:#1b4d89}a{color:#1b4d89}</style></head>
<body><main><h1>Payment simulator checkout</h1>
<p>Deposit for enrollment <strong>${escapeHtml(session.client_reference_id)}</strong></p>
<p>Amount due: <strong>${amount} ${currency}</strong></p>
<form method="post" action="/pay/${session.id}"><button class="pay" name="outcome" value="succeeded">Pay ${amount} ${currency}</button>
<button class="decline" name="outcome" value="failed">Decline</button></form>
<p><a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p></main></body></html>`;
}

async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startPaymentSimulator(options: PaymentSimulatorOptions): Promise<PaymentSimulator> {
  const sessions = new Map<string, CheckoutSession>();
  let baseUrl = '';

  /** Delivers the event, retrying like a provider does; the browser is redirected once the merchant has it. */
  async function notify(session: CheckoutSession, status: 'succeeded' | 'failed'): Promise<void> {
    const body = JSON.stringify({
      enrollmentId: session.client_reference_id,
      paymentReference: session.id,
      amountCents: session.amount_total,
      status,
    });
    const signature = `sha256=${createHmac('sha256', options.webhookSecret).update(body).digest('hex')}`;
    let lastError = '';
    for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt++) {
      try {
        const answer = await fetch(options.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature': signature },
          body,
        });
        if (answer.ok) return;
        lastError = `${answer.status} ${await answer.text()}`;
        if (answer.status < 500) break;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
    throw new Error(`webhook not accepted: ${lastError}`);
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const handle = async () => {
      if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        const body = (await readJson(request)) as Partial<CheckoutSession>;
        const amount = body.amount_total;
        if (!Number.isInteger(amount) || (amount as number) <= 0) return send(response, 400, { error: 'amount_total' });
        if (typeof body.client_reference_id !== 'string') return send(response, 400, { error: 'client_reference_id' });
        if (typeof body.success_url !== 'string' || typeof body.cancel_url !== 'string')
          return send(response, 400, { error: 'success_url and cancel_url are required' });
        const id = `cs_test_${randomBytes(12).toString('hex')}`;
        const session: CheckoutSession = {
          id,
          url: `${baseUrl}/pay/${id}`,
          client_reference_id: body.client_reference_id,
          amount_total: amount as number,
          currency: typeof body.currency === 'string' ? body.currency : 'usd',
          success_url: body.success_url,
          cancel_url: body.cancel_url,
          status: 'open',
          payment_status: 'unpaid',
        };
        sessions.set(id, session);
        return send(response, 200, session);
      }
      const sessionMatch = /^\/v1\/checkout\/sessions\/([\w-]+)$/.exec(url.pathname);
      if (request.method === 'GET' && sessionMatch) {
        const session = sessions.get(sessionMatch[1]!);
        return session ? send(response, 200, session) : send(response, 404, { error: 'no such session' });
      }
      const payMatch = /^\/pay\/([\w-]+)$/.exec(url.pathname);
      const session = payMatch ? sessions.get(payMatch[1]!) : undefined;
      if (payMatch && !session) return send(response, 404, { error: 'no such session' });
      if (session && request.method === 'GET') {
        return response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(checkoutPage(session));
      }
      if (session && request.method === 'POST') {
        const outcome = (await readForm(request)).get('outcome') === 'failed' ? 'failed' : 'succeeded';
        if (session.payment_status !== 'paid') {
          await notify(session, outcome);
          session.payment_status = outcome === 'succeeded' ? 'paid' : 'declined';
          if (outcome === 'succeeded') session.status = 'complete';
        }
        const back = session.payment_status === 'paid' ? session.success_url : session.cancel_url;
        return response.writeHead(303, { location: back.replace('{CHECKOUT_SESSION_ID}', session.id) }).end();
      }
      send(response, 404, { error: `no route ${request.method} ${url.pathname}` });
    };
    handle().catch((err: Error) => {
      if (!response.headersSent) send(response, 502, { error: err.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
  return {
    url: baseUrl,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
