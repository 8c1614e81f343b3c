import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestStack, type TestStack } from '../helpers/stack';
import { auditorToken, createTimeline, newCoachId, opsToken } from '../helpers/timeline';

let stack: TestStack;
beforeAll(async () => {
  stack = await createTestStack();
});
afterAll(async () => {
  await stack?.close();
});

const ids = (timeline: { steps: { stepId: string }[] }) => timeline.steps.map((s) => s.stepId);

describe('launch timeline through the API', () => {
  it('creates a timeline from the default template: realistic steps in order, dated back from the launch', async () => {
    const t = await createTimeline(stack.app);
    const { timeline } = t.created;
    expect(t.timelineId).toMatch(/^TSA-TL-\d{8}-[A-Z0-9]{6}$/);
    expect(timeline).toMatchObject({ coachId: t.coachId, templateId: 'default_microschool_v1', sequence: 1 });
    expect(ids(timeline)).toEqual(
      expect.arrayContaining(['legal_entity', 'insurance', 'facility_lease', 'facility_inspection', 'curriculum']),
    );
    expect(ids(timeline).slice(-1)).toEqual(['launch']);
    const launch = timeline.steps.find((s: { stepId: string }) => s.stepId === 'launch');
    expect(launch).toMatchObject({
      dueDate: '2027-08-16',
      priority: 'critical',
      orderIndex: timeline.steps.length - 1,
    });
    expect(launch.dependencies).toContainEqual({
      dependsOn: 'enrollment_opening',
      kind: 'hard',
      relation: 'FF',
      lagDays: 0,
    });
    const inspection = timeline.steps.find((s: { stepId: string }) => s.stepId === 'facility_inspection');
    expect(inspection.dependencies[0]).toMatchObject({ kind: 'conditional', condition: { field: 'facility_type' } });
    expect(timeline.customFields).toEqual({ facility_type: 'leased' });

    const events = await t.get('/events');
    expect(events.body.events).toEqual([
      expect.objectContaining({ sequence: 1, type: 'create', triggeredBy: 'system' }),
    ]);
  });

  it('lets only the coach and ops change it; auditors read; other coaches get 403', async () => {
    const t = await createTimeline(stack.app);
    const other = await createTimeline(stack.app);
    expect((await t.get('', other.token)).statusCode).toBe(403);
    expect((await t.get('', auditorToken(stack.app))).statusCode).toBe(200);
    const audit = await stack.app.inject({
      method: 'POST',
      url: `/v1/timelines/${t.timelineId}/changes`,
      headers: { authorization: `Bearer ${auditorToken(stack.app)}` },
      payload: { change: { type: 'remove', stepId: 'tryouts' } },
    });
    expect(audit.statusCode).toBe(403);
    const byOps = await stack.app.inject({
      method: 'POST',
      url: `/v1/timelines/${t.timelineId}/changes`,
      headers: { authorization: `Bearer ${opsToken(stack.app)}` },
      payload: {
        change: { type: 'modify', stepId: 'tryouts', fields: { notes: 'Use the north field' } },
        reason: 'mentor call',
      },
    });
    expect(byOps.statusCode, byOps.body).toBe(200);
    expect(byOps.json().event).toMatchObject({ triggeredBy: 'mentor', reason: 'mentor call', sequence: 2 });
    const wrongCoach = await stack.app.inject({
      method: 'POST',
      url: `/v1/coaches/${newCoachId()}/timelines`,
      headers: { authorization: `Bearer ${t.token}` },
      payload: { name: 'x', targetLaunchDate: '2027-08-16' },
    });
    expect(wrongCoach.statusCode).toBe(403);
    expect(
      (
        await stack.app.inject({
          method: 'GET',
          url: '/v1/timelines/TSA-TL-20270101-NOPE00',
          headers: { authorization: `Bearer ${opsToken(stack.app)}` },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('applies each kind of change as one event, answering the new timeline; refusals record nothing', async () => {
    const t = await createTimeline(stack.app);
    const added = await t.change(
      {
        type: 'add',
        step: { name: 'Buy training equipment', durationDays: 3, tags: ['gear'] },
        after: 'facility_lease',
      },
      { expectedSequence: 1, reason: 'we need goals and cones' },
    );
    expect(added.statusCode, JSON.stringify(added.body)).toBe(200);
    const stepId = added.body.event.stepId;
    expect(added.body.event).toMatchObject({ type: 'add', sequence: 2, triggeredBy: 'coach', before: null });
    const order = ids(added.body.timeline);
    expect(order[order.indexOf('facility_lease') + 1]).toBe(stepId);

    const moved = await t.change({ type: 'move', stepId, position: 'start' });
    expect(ids(moved.body.timeline)[0]).toBe(stepId);
    expect(moved.body.timeline.steps[0].orderIndex).toBe(0);

    const dep = await t.change({
      type: 'addDependency',
      stepId,
      dependsOn: 'ein_banking',
      kind: 'soft',
      relation: 'SS',
      lagDays: -2,
    });
    expect(dep.statusCode).toBe(200);
    const started = await t.change({ type: 'setStatus', stepId, status: 'in_progress' });
    expect(started.statusCode).toBe(200);
    expect(started.body.warnings).toEqual([expect.stringContaining('ein_banking')]);

    const before = (await t.get('/events')).body.events.length;
    const refusals = [
      [{ type: 'remove', stepId: 'no_such_step' }, 400, 'unknown_step'],
      [{ type: 'setStatus', stepId: 'insurance', status: 'completed' }, 409, 'prerequisite_incomplete'],
      [{ type: 'addDependency', stepId: 'legal_entity', dependsOn: 'launch', kind: 'hard' }, 409, 'dependency_cycle'],
      [{ type: 'modify', stepId: 'insurance', fields: { colour: 'red' } }, 400, 'invalid_request'],
    ] as const;
    for (const [change, status, code] of refusals) {
      const r = await t.change(change);
      expect([r.statusCode, r.body.error], JSON.stringify(r.body)).toEqual([status, code]);
      expect(r.body.message.length).toBeGreaterThan(5);
    }
    const stale = await t.change({ type: 'remove', stepId: 'tryouts' }, { expectedSequence: 2 });
    expect([stale.statusCode, stale.body.error]).toEqual([409, 'stale_sequence']);
    const unknown = await t.change({ type: 'remove', stepId: 'no_such_step' });
    expect(unknown.body.issues).toEqual([{ path: 'change.stepId', message: expect.any(String) }]);
    expect((await t.get('/events')).body.events).toHaveLength(before);
    expect((await t.get('')).body.sequence).toBe(before);
  });

  it('undoes and redoes per actor, each as an event; undo n then redo n gives back the same timeline', async () => {
    const t = await createTimeline(stack.app);
    const changes = [
      { type: 'modify', stepId: 'marketing', fields: { notes: 'Flyers at the rec center', assignee: 'Sam' } },
      { type: 'move', stepId: 'marketing', position: 'start' },
      { type: 'remove', stepId: 'tryouts' },
      { type: 'setCustomFields', fields: { facility_type: 'owned', cohort_size: 12 } },
      { type: 'removeDependency', stepId: 'launch', dependsOn: 'staffing' },
    ];
    const initial = (await t.get('')).body;
    for (const c of changes) expect((await t.change(c)).statusCode).toBe(200);
    const changed = (await t.get('')).body;
    // Ops acting as a mentor has nothing of its own to undo.
    const mentorUndo = await t.undo(opsToken(stack.app));
    expect([mentorUndo.statusCode, mentorUndo.body.error]).toEqual([409, 'nothing_to_undo']);
    for (let i = 0; i < changes.length; i++) {
      const u = await t.undo();
      expect(u.statusCode, JSON.stringify(u.body)).toBe(200);
      expect(u.body.event).toMatchObject({ origin: 'undo', revertsSequence: 1 + changes.length - i });
    }
    const undone = (await t.get('')).body;
    expect({ ...undone, sequence: 0 }).toEqual({ ...initial, sequence: 0 });
    for (let i = 0; i < changes.length; i++) expect((await t.redo()).statusCode).toBe(200);
    const redone = (await t.get('')).body;
    expect({ ...redone, sequence: 0 }).toEqual({ ...changed, sequence: 0 });
    expect(redone.sequence).toBe(1 + changes.length * 3);
    expect((await t.redo()).body.error).toBe('nothing_to_redo');

    const log = await t.get(`/events?stepId=tryouts`);
    expect(log.body.events.map((e: { type: string; origin: string }) => `${e.type}/${e.origin}`)).toEqual([
      'remove/change',
      'add/undo',
      'remove/redo',
    ]);
    const page1 = await t.get('/events?limit=5');
    expect(page1.body.events.map((e: { sequence: number }) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    const page2 = await t.get(`/events?limit=5&after=${page1.body.nextAfter}`);
    expect(page2.body.events[0].sequence).toBe(6);
    const moves = await t.get('/events?type=move');
    expect(moves.body.events.every((e: { type: string }) => e.type === 'move')).toBe(true);
    expect(moves.body.events).toHaveLength(3);
  });

  it('answers analytics: completion, projected launch against the target, critical path and slack', async () => {
    const t = await createTimeline(stack.app, { targetLaunchDate: '2027-08-16' });
    const r = await t.get('/analytics');
    expect(r.statusCode, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ totalSteps: 13, completionPercent: 0, targetLaunchDate: '2027-08-16' });
    expect(r.body.criticalPath).toContain('launch');
    expect(r.body.blockedSteps.map((s: { stepId: string }) => s.stepId)).toContain('insurance');
    expect(r.body.schedule.find((s: { stepId: string }) => s.stepId === 'launch').slackDays).toBe(0);

    expect((await t.change({ type: 'setStatus', stepId: 'legal_entity', status: 'completed' })).statusCode).toBe(200);
    const after = await t.get('/analytics');
    expect(after.body.completionPercent).toBeCloseTo(100 / 13, 1);
    expect(after.body.blockedSteps.map((s: { stepId: string }) => s.stepId)).not.toContain('insurance');
  });

  it('reminds the coach when a step falls due, and moves the reminder when the due date changes', async () => {
    const t = await createTimeline(stack.app);
    const today = new Date().toISOString().slice(0, 10);
    const reminders = () =>
      stack.db
        .selectFrom('notifications')
        .select(['dedupe_key', 'recipient', 'payload'])
        .where('kind', '=', 'timeline_step_due')
        .where('dedupe_key', 'like', `timeline:${t.timelineId}:%`)
        .execute();
    expect(await reminders()).toEqual([]);
    expect(
      (await t.change({ type: 'modify', stepId: 'insurance', fields: { dueDate: today, plannedStart: null } }))
        .statusCode,
    ).toBe(200);
    await vi.waitFor(async () => expect(await reminders()).toHaveLength(1), { timeout: 30_000, interval: 100 });
    const [reminder] = await reminders();
    expect(reminder).toMatchObject({ recipient: t.coachId, payload: { stepId: 'insurance', dueDate: today } });
  });
});
