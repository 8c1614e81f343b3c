import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db';
import { migrateToLatest } from '../../db/migrate';
import { startOwnPostgres } from '../helpers/databases';
import { createTestStack, type TestStack } from '../helpers/stack';

describe('GET /health', () => {
  let postgres: Awaited<ReturnType<typeof startOwnPostgres>>;
  let stack: TestStack;
  beforeAll(async () => {
    postgres = await startOwnPostgres();
    const db = createDb(postgres.url, { max: 1 });
    await migrateToLatest(db);
    await db.destroy();
    stack = await createTestStack({ databaseUrl: postgres.url, startWorker: false });
  });
  afterAll(async () => {
    await stack?.close();
    await postgres?.stop();
  });

  it('is 200 when PostgreSQL and Temporal both answer, and 503 naming PostgreSQL once it is stopped', async () => {
    const up = await stack.app.inject({ method: 'GET', url: '/health' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({ postgres: true, temporal: true });

    await postgres.stop();
    const down = await stack.app.inject({ method: 'GET', url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ postgres: false, temporal: true });

    postgres = await postgres.restart();
    const back = await stack.app.inject({ method: 'GET', url: '/health' });
    expect(back.json()).toEqual({ postgres: true, temporal: true });
  });

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
