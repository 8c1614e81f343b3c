import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { createDb } from '../../db';
import { createRoundTripActivities } from '../fixtures/roundtrip/activities';
import { roundTripWorkflow } from '../fixtures/roundtrip/workflows';

it('a workflow runs on the real server and its activity writes a row through Kysely', async () => {
  const db = createDb(inject('databaseUrl'), { max: 2 });
  const nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const taskQueue = `roundtrip-${randomUUID()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: path.resolve(__dirname, '../fixtures/roundtrip/workflows.ts'),
    activities: createRoundTripActivities(db),
  });
  try {
    const key = `roundtrip-${randomUUID()}`;
    const id = await worker.runUntil(
      new Client({ connection }).workflow.execute(roundTripWorkflow, { taskQueue, workflowId: key, args: [key] }),
    );
    const row = await db
      .selectFrom('notifications')
      .selectAll()
      .where('dedupe_key', '=', key)
      .executeTakeFirstOrThrow();
    expect(Number(row.id)).toBe(id);
    expect(row.payload).toEqual({ key });
  } finally {
    await nativeConnection.close();
    await connection.close();
    await db.destroy();
  }
});
