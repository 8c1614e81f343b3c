import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, token } from '../helpers/enrollment';
import { createTestStack, TEST_SECRETS, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack({ startWorker: false });
});
afterAll(async () => stack?.close());

const createInvitation = (headers: Record<string, string>) =>
  stack.app.inject({ method: 'POST', url: '/v1/invitations', headers, payload: { parentEmail: 'a@example.com' } });

describe('bearer authentication', () => {
  it('refuses a missing token', async () => {
    const res = await createInvitation({});
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/missing bearer token/) });
  });

  it('refuses an expired token', async () => {
    const sign = createSigner({ key: TEST_SECRETS.jwtSecret, algorithm: 'HS256' });
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = sign({ role: 'ops', sub: 'ops-1', iat: past - 60, exp: past });
    const res = await createInvitation(bearer(expired));
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('token expired');
  });

  it('refuses a token signed with another secret, and one that is not a JWT', async () => {
    const forged = createSigner({ key: 'some-other-secret-of-sufficient-length!!', algorithm: 'HS256' })({
      role: 'ops',
      sub: 'mallory',
    });
    expect((await createInvitation(bearer(forged))).statusCode).toBe(401);
    expect((await createInvitation(bearer('not-a-jwt'))).statusCode).toBe(401);
  });

  it('refuses a valid token whose role may not act, and accepts one that may', async () => {
    const auditor = await createInvitation(bearer(token(stack, { role: 'auditor' })));
    expect(auditor.statusCode).toBe(403);
    expect(auditor.json()).toMatchObject({ error: 'forbidden' });
    const ops = await createInvitation(bearer(token(stack, { role: 'ops' })));
    expect(ops.statusCode).toBe(201);
  });
});
