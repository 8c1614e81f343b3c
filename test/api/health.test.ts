import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../helpers/stack';

// 200, then 503 naming PostgreSQL while it is stopped, then 200 again: test/faults/postgres-down.test.ts.
describe('GET /health', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack({ startWorker: false });
  });
  afterAll(async () => stack?.close());

  it('needs no token, and /docs serves the OpenAPI description generated from the routes', async () => {
    const docs = await stack.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const openapi = docs.json();
    expect(openapi.openapi).toMatch(/^3\./);
    const step = openapi.paths['/v1/enrollments/{id}/steps/{step}'];
    expect(step.put.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'step']));
    expect(openapi.paths['/v1/invitations'].post.requestBody.content['application/json'].schema.required).toContain(
      'parentEmail',
    );
    const ui = await stack.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBeLessThan(400);
  });
});
