import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTimelineActivities } from '../../activities/timeline';
import { readEvents, readSteps } from '../../db/repositories/timelines';
import { diffSteps, foldEvents } from '../../domain/timeline';
import { rebuildTimeline } from '../../scripts/timelines-rebuild';
import { abstractChange, concrete } from '../domain/timeline/fixtures';
import { createTestStack, type TestStack } from '../helpers/stack';
import { createTimeline } from '../helpers/timeline';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => {
  await stack?.close();
});

async function snapshot(timelineId: string) {
  const steps = (await readSteps(stack.db, timelineId)).map(({ updated_at: _u, ...row }) => row);
  const {
    updated_at: _u,
    created_at: _c,
    ...timeline
  } = await stack.db
    .selectFrom('timelines')
    .selectAll()
    .where('timeline_id', '=', timelineId)
    .executeTakeFirstOrThrow();
  return { timeline, steps };
}

it('rebuilding from the events alone gives the live projection, after a random history', async () => {
  const seed = Date.now() % 100_000;
  const [history] = fc.sample(
    fc.array(fc.oneof({ weight: 4, arbitrary: abstractChange }, fc.constantFrom('undo' as const, 'redo' as const)), {
      minLength: 60,
      maxLength: 60,
    }),
    { seed, numRuns: 1 },
  );
  const t = await createTimeline(stack.app);
  let timeline = t.created.timeline;
  let accepted = 0;
  for (const step of history!) {
    const r =
      step === 'undo' ? await t.undo() : step === 'redo' ? await t.redo() : await t.change(concrete(timeline, step));
    expect([200, 400, 409], `seed ${seed}: ${JSON.stringify(r.body)}`).toContain(r.statusCode);
    if (r.statusCode === 200) {
      timeline = r.body.timeline;
      accepted += 1;
    }
  }
  expect(accepted, `seed ${seed}`).toBeGreaterThan(10);

  const live = await snapshot(t.timelineId);
  expect(live.timeline.sequence).toBe(timeline.sequence);
  expect(live.steps.map((s) => s.step_id)).toEqual(timeline.steps.map((s: { stepId: string }) => s.stepId));

  // The fold of the stored events is the workflow's own state.
  const events = await readEvents(stack.db, t.timelineId);
  expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
  const folded = foldEvents(events)!;
  const { steps: liveSteps, ...liveHeader } = timeline;
  expect(folded).toEqual({
    ...liveHeader,
    steps: liveSteps.map(({ orderIndex: _o, blockers: _b, ...s }: Record<string, unknown>) => s),
  });

  await stack.db.deleteFrom('timeline_steps').where('timeline_id', '=', t.timelineId).execute();
  expect(await rebuildTimeline(stack.db, t.timelineId)).toBe(true);
  expect(await snapshot(t.timelineId), `seed ${seed}`).toEqual(live);

  // A projection written again (an activity retry) finds its sequence done and changes nothing.
  const [created] = events;
  const initial = foldEvents([created!])!;
  const { steps: _s, ...header } = initial;
  await createTimelineActivities({ db: stack.db }).projectTimeline({
    timeline: header,
    events: [created!],
    ...diffSteps(undefined, initial),
  });
  expect(await snapshot(t.timelineId)).toEqual(live);
});
