import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyze,
  applyChange,
  change,
  foldEvents,
  redo,
  TimelineRefusal,
  undo,
  type TimelineEvent,
  type TimelineSession,
} from '../../../domain/timeline';
import { abstractChange, applyAccepted, coach, content, mentor, newSession, NOW } from './fixtures';

function refusal(run: () => unknown): TimelineRefusal {
  try {
    run();
  } catch (err) {
    if (err instanceof TimelineRefusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('changes, undo and redo (properties)', () => {
  it('any sequence of changes followed by as many undos gives back the original timeline', () => {
    fc.assert(
      fc.property(fc.array(abstractChange, { maxLength: 40 }), (changes) => {
        const start = newSession();
        const { session, events } = applyAccepted(start, changes);
        let current: TimelineSession = session;
        for (let n = 0; n < events.length; n++) current = undo(current, coach, NOW).session;
        expect(content(current.timeline)).toEqual(content(start.timeline));
        expect(() => undo(current, coach, NOW)).toThrow(TimelineRefusal);
      }),
      { numRuns: 150 },
    );
  });

  it('undo n times then redo n times is the identity', () => {
    fc.assert(
      fc.property(fc.array(abstractChange, { maxLength: 40 }), fc.nat(40), (changes, undos) => {
        const { session, events } = applyAccepted(newSession(), changes);
        const n = Math.min(undos, events.length);
        let current = session;
        for (let i = 0; i < n; i++) current = undo(current, coach, NOW).session;
        for (let i = 0; i < n; i++) current = redo(current, coach, NOW).session;
        expect(content(current.timeline)).toEqual(content(session.timeline));
      }),
      { numRuns: 150 },
    );
  });

  it('folding every event (changes, undos, redos) gives the live timeline, and order keys stay strict', () => {
    const step = fc.oneof(
      abstractChange.map((c) => ({ op: 'change' as const, c, byMentor: c.k % 5 === 0 })),
      fc.constantFrom({ op: 'undo' as const }, { op: 'redo' as const }, { op: 'mentorUndo' as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (ops) => {
        const start = newSession();
        const events: TimelineEvent[] = [];
        let current = start;
        for (const op of ops) {
          try {
            const outcome =
              op.op === 'change'
                ? applyAccepted(current, [op.c], op.byMentor ? mentor : coach)
                : { ...(op.op === 'redo' ? redo : undo)(current, op.op === 'mentorUndo' ? mentor : coach, NOW) };
            if ('events' in outcome) {
              events.push(...outcome.events);
              current = outcome.session;
            } else {
              events.push(outcome.event);
              current = outcome.session;
            }
          } catch (err) {
            if (!(err instanceof TimelineRefusal)) throw err;
          }
        }
        const created: TimelineEvent = { ...firstEvent(start), sequence: 1 };
        // Through JSON, as the events come back from the database.
        const stored = JSON.parse(JSON.stringify([created, ...events])) as TimelineEvent[];
        expect(foldEvents(stored)).toEqual(current.timeline);
        const keys = current.timeline.steps.map((s) => s.orderKey);
        expect(new Set(keys).size).toBe(keys.length);
        expect([...keys].sort()).toEqual(keys);
        expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 2));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the last 100 changes of each actor undoable', () => {
    let session = newSession();
    for (let i = 0; i < 130; i++) {
      session = change(
        session,
        { change: { type: 'modify', stepId: 'insurance', fields: { notes: `n${i}` } } },
        coach,
        NOW,
      ).session;
    }
    expect(session.actors[coach.actorId]?.undo).toHaveLength(100);
    for (let i = 0; i < 100; i++) session = undo(session, coach, NOW).session;
    expect(session.timeline.steps.find((s) => s.stepId === 'insurance')?.notes).toBe('n29');
    expect(refusal(() => undo(session, coach, NOW)).code).toBe('nothing_to_undo');
  });
});

function firstEvent(session: TimelineSession): TimelineEvent {
  return {
    type: 'create',
    stepId: null,
    before: null,
    after: { ...session.timeline, sequence: 0 },
    sequence: 1,
    reason: null,
    triggeredBy: 'coach',
    actorId: coach.actorId,
    origin: 'change',
    revertsSequence: null,
    occurredAt: NOW,
  };
}

describe('refusals', () => {
  const session = newSession();

  it('refuses an unknown step with 400 naming the field, and records nothing', () => {
    const r = refusal(() => change(session, { change: { type: 'remove', stepId: 'nope' } }, coach, NOW));
    expect([r.code, r.status, r.path]).toEqual(['unknown_step', 400, 'change.stepId']);
  });

  it('refuses starting a step whose hard prerequisite is not complete (409), and warns for a soft one', () => {
    const r = refusal(() =>
      change(session, { change: { type: 'setStatus', stepId: 'insurance', status: 'in_progress' } }, coach, NOW),
    );
    expect([r.code, r.status]).toEqual(['prerequisite_incomplete', 409]);
    expect(r.message).toContain('legal_entity');
    const started = change(
      session,
      { change: { type: 'setStatus', stepId: 'marketing', status: 'in_progress' } },
      coach,
      NOW,
    );
    expect(started.warnings).toEqual([expect.stringContaining('insurance')]);
  });

  it('holds a finish-to-start lag: two working days after the legal entity completes, the lease may start', () => {
    // NOW is Monday 2027-03-01; the lease has a lag of 2 working days on the legal entity.
    const s = change(
      session,
      { change: { type: 'setStatus', stepId: 'legal_entity', status: 'completed' } },
      coach,
      NOW,
    ).session;
    const start = { change: { type: 'setStatus', stepId: 'facility_lease', status: 'in_progress' } } as const;
    const r = refusal(() => change(s, start, coach, NOW));
    expect(r.message).toContain('2027-03-03');
    expect(() => change(s, start, coach, '2027-03-02T23:00:00.000Z')).toThrow(TimelineRefusal);
    expect(change(s, start, coach, '2027-03-03T08:00:00.000Z').event.after).toMatchObject({ status: 'in_progress' });
  });

  it('enforces a conditional dependency only while its condition holds', () => {
    const s = change(
      session,
      { change: { type: 'setCustomFields', fields: { facility_type: 'owned' } } },
      coach,
      NOW,
    ).session;
    const blocked = refusal(() =>
      change(
        session,
        { change: { type: 'setStatus', stepId: 'facility_inspection', status: 'in_progress' } },
        coach,
        NOW,
      ),
    );
    expect(blocked.code).toBe('prerequisite_incomplete');
    expect(() =>
      change(s, { change: { type: 'setStatus', stepId: 'facility_inspection', status: 'in_progress' } }, coach, NOW),
    ).not.toThrow();
  });

  it('refuses an edge that closes a cycle', () => {
    const r = refusal(() =>
      change(
        session,
        { change: { type: 'addDependency', stepId: 'legal_entity', dependsOn: 'launch', kind: 'soft' } },
        coach,
        NOW,
      ),
    );
    expect([r.code, r.status]).toEqual(['dependency_cycle', 409]);
  });

  it('refuses a stale expected sequence', () => {
    const r = refusal(() =>
      change(session, { change: { type: 'remove', stepId: 'launch' }, expectedSequence: 0 }, coach, NOW),
    );
    expect([r.code, r.status]).toEqual(['stale_sequence', 409]);
  });

  it("keeps undo stacks per actor: the mentor's undo leaves the coach's change alone", () => {
    let s = change(
      session,
      { change: { type: 'modify', stepId: 'launch', fields: { notes: 'coach' } } },
      coach,
      NOW,
    ).session;
    s = change(
      s,
      { change: { type: 'modify', stepId: 'insurance', fields: { notes: 'mentor' } } },
      mentor,
      NOW,
    ).session;
    s = undo(s, mentor, NOW).session;
    expect(s.timeline.steps.find((x) => x.stepId === 'launch')?.notes).toBe('coach');
    expect(s.timeline.steps.find((x) => x.stepId === 'insurance')?.notes).toBeNull();
    // A new change clears only that actor's redo stack.
    s = change(s, { change: { type: 'modify', stepId: 'insurance', fields: { notes: 'again' } } }, mentor, NOW).session;
    expect(refusal(() => redo(s, mentor, NOW)).code).toBe('nothing_to_redo');
  });
});

describe('ordering', () => {
  it('moving steps in right after the same step 10,000 times keeps a strict order', () => {
    // Each move lands between `insurance` and the step moved just before: repeated float midpoints would collide.
    let s = newSession();
    for (let i = 0; i < 10_000; i++) {
      const moved = i % 2 === 0 ? 'marketing' : 'launch';
      s = change(s, { change: { type: 'move', stepId: moved, after: 'insurance' } }, coach, NOW).session;
    }
    const ids = s.timeline.steps.map((x) => x.stepId);
    expect(ids.slice(0, 4)).toEqual(['legal_entity', 'insurance', 'launch', 'marketing']);
    const keys = s.timeline.steps.map((x) => x.orderKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys);
  });
});

describe('applyChange', () => {
  it('refuses to fold a change before the timeline exists', () => {
    const { events } = applyAccepted(newSession(), [{ kind: 3, i: 0, j: 0, k: 1, text: 'x' }]);
    expect(() => applyChange(undefined, events[0]!)).toThrow(/before the timeline exists/);
  });
});

describe('analytics', () => {
  it('projects the launch by a forward pass and finds the critical path and slack by a backward pass', () => {
    // On the target day itself, with nothing done: legal entity 10 working days from Wednesday 2027-09-01, a lag
    // of 2, the lease 15, the inspection 3: the launch (1 day) falls 30 working days later.
    const a = analyze(newSession().timeline, '2027-09-01T12:00:00.000Z');
    expect(a.projectedLaunchDate).toBe('2027-10-13');
    expect(a.workingDaysAheadOfTarget).toBe(-30);
    expect(a.criticalPath).toEqual(['legal_entity', 'facility_lease', 'facility_inspection', 'launch']);
    const slack = Object.fromEntries(a.schedule.map((s) => [s.stepId, s.slackDays]));
    expect(slack.insurance).toBeGreaterThan(0);
    expect(a.completionPercent).toBe(0);
    expect(a.blockedSteps.map((s) => s.stepId)).toContain('insurance');
  });

  it('drops a conditional edge from the pass when its condition does not hold', () => {
    const s = change(
      newSession(),
      { change: { type: 'setCustomFields', fields: { facility_type: 'owned' } } },
      coach,
      NOW,
    );
    const a = analyze(s.session.timeline, NOW);
    expect(a.criticalPath).not.toContain('facility_lease');
  });

  it('every active edge holds in the forward pass, for random histories', () => {
    fc.assert(
      fc.property(fc.array(abstractChange, { maxLength: 40 }), (changes) => {
        const { session } = applyAccepted(newSession(), changes);
        const a = analyze(session.timeline, NOW);
        expect(a.schedule).toHaveLength(session.timeline.steps.length);
        const slacks = a.schedule.map((s) => s.slackDays);
        expect(Math.min(...slacks, 0)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 100 },
    );
  });
});
