import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { findTemporalCli } from '../../runtime/temporal-cli';
import { payloads, startEnrollment, submitOk, token, waitForProgress, type Enrollment } from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

/*
 * The Temporal CLI is a client nobody here wrote: it must read and write this engine's encrypted payloads through
 * the API's codec endpoint as an operator would, `--codec-endpoint` and `--codec-auth`.
 */
const run = promisify(execFile);
let stack: TestStack;
let codecEndpoint: string;
let e: Enrollment;

async function temporal(args: string[], { codec = true } = {}): Promise<string> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('no Temporal CLI: the test run started its dev server with one');
  const codecArgs = ['--codec-endpoint', codecEndpoint, '--codec-auth', `Bearer ${token(stack, { role: 'ops' })}`];
  const { stdout } = await run(cli.path, [
    ...args,
    '--address',
    inject('temporalAddress'),
    '--namespace',
    'default',
    ...(codec ? codecArgs : []),
    '--command-timeout',
    '30s',
  ]);
  return stdout;
}

/** The text of every plain JSON payload in `workflow show --output json` (their data is base64). */
function plainPayloads(shown: string): string[] {
  const plain = Buffer.from('json/plain').toString('base64');
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as { metadata?: { encoding?: string }; data?: string };
    if (o.metadata?.encoding === plain && typeof o.data === 'string')
      found.push(Buffer.from(o.data, 'base64').toString());
    Object.values(o).forEach(walk);
  };
  walk(JSON.parse(shown));
  return found;
}

beforeAll(async () => {
  stack = await createTestStack();
  const base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  codecEndpoint = `${base}/v1/codec`;
  e = await startEnrollment(stack);
  await submitOk(stack, e, 1);
});

afterAll(async () => {
  await stack?.close();
});

describe('the Temporal CLI through the codec endpoint', () => {
  it('workflow show prints the decoded step data (the server holds only ciphertext)', async () => {
    const show = ['workflow', 'show', '--workflow-id', e.enrollmentId, '--output', 'json'];
    const encrypted = plainPayloads(await temporal(show, { codec: false })).join('\n');
    expect(encrypted).not.toContain(payloads[1].guardian.email);
    const decoded = plainPayloads(await temporal(show)).join('\n');
    expect(decoded).toContain(payloads[1].guardian.email);
    expect(decoded).toContain(payloads[1].address.line1);
  });

  it('workflow query answers the progress', async () => {
    const answer = await temporal([
      'workflow',
      'query',
      '--workflow-id',
      e.enrollmentId,
      '--name',
      'progress',
      '--output',
      'json',
    ]);
    expect(answer).toContain(`"enrollmentId": "${e.enrollmentId}"`);
    expect(answer).toMatch(/"currentStep": 2/);
  });

  it('workflow signal --name submitStep advances the enrollment', async () => {
    await temporal([
      'workflow',
      'signal',
      '--workflow-id',
      e.enrollmentId,
      '--name',
      'submitStep',
      '--input',
      JSON.stringify({ step: 2, data: payloads[2], actor: { role: 'ops', id: 'temporal-cli' } }),
    ]);
    const after = await waitForProgress(stack, e, (p) => p.steps[1]!.status === 'completed');
    expect(after.currentStep).toBe(3);
  });
});
