/**
 * `npm run histories:record-timeline` (vitest with vitest.histories.config.mts, not part of `npm test`): runs real
 * launch timelines against the run's Temporal dev server and PostgreSQL and saves their histories here: one created
 * from the template and changed, undone, redone and reminded; one started as a continued run (carrying the state
 * and undo stacks, as continue-as-new starts it). The suite replays every file in this folder.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { findTemplate } from '../../db/repositories/timelines';
import { change, createTimeline as startTimeline, instantiate } from '../../domain/timeline';
import {
  timelineQuery,
  timelineWorkflowId,
  undoUpdate,
  type TimelineWorkflowInput,
} from '../../workflows/timeline/messages';
import { createTestStack, type TestStack } from '../helpers/stack';
import { createTimeline, newCoachId } from '../helpers/timeline';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => stack?.close());

const TAG = process.env.HISTORIES_TAG ?? new Date().toISOString().slice(0, 10);

async function save(name: string, workflowId: string): Promise<void> {
  const file = path.join(__dirname, `timeline-${name}.${TAG}.json`);
  if (fs.existsSync(file)) throw new Error(`${file} exists: recordings never replace older ones (HISTORIES_TAG)`);
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  fs.writeFileSync(file, historyToJSON(history) + '\n');
}

it('records timeline-changed-undone-reminded', async () => {
  const t = await createTimeline(stack.app);
  const today = new Date().toISOString().slice(0, 10);
  const ok = async (r: Promise<{ statusCode: number; body: unknown }>) => expect((await r).statusCode).toBe(200);
  await ok(t.change({ type: 'add', step: { name: 'Order uniforms', durationDays: 2 }, after: 'marketing' }));
  await ok(t.change({ type: 'move', stepId: 'tryouts', position: 'start' }));
  await ok(t.change({ type: 'setStatus', stepId: 'legal_entity', status: 'completed' }));
  await ok(t.change({ type: 'addDependency', stepId: 'marketing', dependsOn: 'ein_banking', kind: 'soft', lagDays: 2 }));
  await ok(t.change({ type: 'setCustomFields', fields: { facility_type: 'owned' } }));
  expect((await t.change({ type: 'remove', stepId: 'nope' })).statusCode).toBe(400);
  await ok(t.undo());
  await ok(t.undo());
  await ok(t.redo());
  await ok(t.change({ type: 'modify', stepId: 'insurance', fields: { dueDate: today, plannedStart: null } }));
  await vi.waitFor(
    async () => {
      const rows = await stack.db
        .selectFrom('notifications')
        .select('id')
        .where('dedupe_key', '=', `timeline:${t.timelineId}:due:insurance:${today}`)
        .execute();
      expect(rows).toHaveLength(1);
    },
    { timeout: 30_000, interval: 100 },
  );
  await ok(t.change({ type: 'remove', stepId: 'tryouts' }));
  await save('changed-undone-reminded', timelineWorkflowId(t.timelineId));
});

it('records timeline-continued-run', async () => {
  const coachId = newCoachId();
  const header = {
    timelineId: `TSA-TL-20270101-${Math.random().toString(36).slice(2, 8).toUpperCase().padEnd(6, 'Q')}`,
    coachId,
    templateId: 'default_microschool_v1',
    name: 'Continued',
    targetLaunchDate: '2027-08-16',
    focusAreas: ['marketing'],
    customizationLevel: 'extensive' as const,
  };
  const template = await findTemplate(stack.db, header.templateId);
  const actor = { actorId: coachId, triggeredBy: 'coach' as const };
  let { session } = startTimeline(instantiate(header, template!), { actorId: 'system', triggeredBy: 'system' }, new Date().toISOString());
  session = change(session, { change: { type: 'modify', stepId: 'curriculum', fields: { notes: 'carried' } } }, actor, new Date().toISOString()).session;
  const input: TimelineWorkflowInput = { ...header, carried: { session, reminded: {} } };
  const handle = await stack.client.workflow.start('coachTimelineWorkflow', {
    workflowId: timelineWorkflowId(header.timelineId),
    taskQueue: stack.taskQueue,
    args: [input],
  });
  const undone = await handle.executeUpdate(undoUpdate, { args: [{ actor }] });
  expect(undone.event).toMatchObject({ origin: 'undo', sequence: 3 });
  expect((await handle.query(timelineQuery)).sequence).toBe(3);
  await save('continued-run', handle.workflowId);
});
