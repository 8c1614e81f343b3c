import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, token } from '../helpers/enrollment';
import { createTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack({ startWorker: false });
});
afterAll(async () => stack?.close());

const createInvitation = (headers: Record<string, string>) =>
  stack.app.inject({ method: 'POST', url: '/v1/invitations', headers, payload: { parentEmail: 'a@example.com' } });

// Missing, expired and forged tokens: test/api/bad-input.test.ts (tokens).
describe('bearer authentication', () => {
  it('refuses a valid token whose role may not act, and accepts one that may', async () => {
    const auditor = await createInvitation(bearer(token(stack, { role: 'auditor' })));
    expect(auditor.statusCode).toBe(403);
    expect(auditor.json()).toMatchObject({ error: 'forbidden' });
    const ops = await createInvitation(bearer(token(stack, { role: 'ops' })));
    expect(ops.statusCode).toBe(201);
  });
});
