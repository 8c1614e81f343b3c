import fc from 'fast-check';
import {
  change,
  createTimeline,
  instantiate,
  STEP_STATUSES,
  TimelineRefusal,
  type Actor,
  type TimelineChange,
  type TimelineSession,
  type TimelineState,
  type TimelineTemplate,
} from '../../../domain/timeline';

export const NOW = '2027-03-01T15:00:00.000Z';
export const coach: Actor = { actorId: 'TSA-COACH-20270101-AAAAAA', triggeredBy: 'coach' };
export const mentor: Actor = { actorId: 'ops-1', triggeredBy: 'mentor' };

export const smallTemplate: TimelineTemplate = {
  templateId: 'test_template',
  version: 1,
  customFields: { facility_type: 'leased' },
  steps: [
    step('legal_entity', 10, 120, []),
    step('insurance', 5, 100, [{ key: 'legal_entity', kind: 'hard', relation: 'FS', lagDays: 0 }]),
    step('facility_lease', 15, 90, [{ key: 'legal_entity', kind: 'hard', relation: 'FS', lagDays: 2 }]),
    step('facility_inspection', 3, 80, [
      {
        key: 'facility_lease',
        kind: 'conditional',
        relation: 'FS',
        lagDays: 0,
        condition: { field: 'facility_type', equals: 'leased' },
      },
    ]),
    step('marketing', 20, 40, [{ key: 'insurance', kind: 'soft', relation: 'SS', lagDays: 0 }]),
    step('launch', 1, 0, [
      { key: 'facility_inspection', kind: 'hard', relation: 'FS', lagDays: 0 },
      { key: 'marketing', kind: 'hard', relation: 'FF', lagDays: -1 },
    ]),
  ],
};

function step(
  key: string,
  durationDays: number,
  dueWorkingDaysBeforeLaunch: number,
  dependsOn: TimelineTemplate['steps'][number]['dependsOn'],
): TimelineTemplate['steps'][number] {
  return {
    key,
    name: key.replace('_', ' '),
    description: `Do ${key}`,
    category: key.split('_')[0] as string,
    priority: 'high',
    durationDays,
    dueWorkingDaysBeforeLaunch,
    dependsOn,
    nextActions: [],
  };
}

export function newSession(template: TimelineTemplate = smallTemplate): TimelineSession {
  const initial = instantiate(
    {
      timelineId: 'TSA-TL-20270301-TEST01',
      coachId: coach.actorId,
      templateId: template.templateId,
      name: 'Test launch',
      targetLaunchDate: '2027-09-01',
      focusAreas: ['facility'],
      customizationLevel: 'moderate',
    },
    template,
  );
  return createTimeline(initial, coach, NOW).session;
}

/**
 * A change described by numbers, resolved against the timeline it is applied to (step ids depend on the
 * history), so fast-check can shrink it.
 */
export type AbstractChange = { kind: number; i: number; j: number; k: number; text: string };

export const abstractChange = fc.record({
  kind: fc.nat(8),
  i: fc.nat(50),
  j: fc.nat(50),
  k: fc.integer({ min: -3, max: 10 }),
  text: fc.string({ maxLength: 12 }),
});

export function concrete(state: TimelineState, c: AbstractChange): TimelineChange {
  const ids = state.steps.map((s) => s.stepId);
  const pick = (n: number) => ids[n % Math.max(ids.length, 1)] ?? 'missing';
  const stepId = pick(c.i);
  const other = pick(c.j);
  switch (c.kind) {
    case 0:
      return { type: 'add', step: { name: c.text || 'custom', durationDays: Math.abs(c.k) }, after: other };
    case 1:
      return { type: 'remove', stepId };
    case 2:
      return c.k % 3 === 0
        ? { type: 'move', stepId, position: c.k % 2 === 0 ? 'start' : 'end' }
        : { type: 'move', stepId, before: other };
    case 3:
      return { type: 'modify', stepId, fields: { notes: c.text, durationDays: Math.abs(c.k), tags: [c.text] } };
    case 4:
      return { type: 'setStatus', stepId, status: STEP_STATUSES[Math.abs(c.k) % STEP_STATUSES.length]! };
    case 5:
      return {
        type: 'addDependency',
        stepId,
        dependsOn: other,
        kind: (['hard', 'soft', 'conditional'] as const)[Math.abs(c.k) % 3]!,
        relation: (['FS', 'SS', 'FF'] as const)[Math.abs(c.k) % 3]!,
        lagDays: c.k,
        condition: { field: 'facility_type', equals: c.k % 2 === 0 ? 'leased' : 'owned' },
      };
    case 6: {
      const dependsOn = state.steps.find((s) => s.stepId === stepId)?.dependencies[0]?.dependsOn ?? other;
      return { type: 'removeDependency', stepId, dependsOn };
    }
    case 7:
      return {
        type: 'setCustomFields',
        fields: { facility_type: c.k % 2 === 0 ? 'leased' : 'owned', [`f${c.j % 3}`]: c.k % 4 === 0 ? null : c.k },
      };
    default:
      return { type: 'move', stepId, after: other };
  }
}

/** Applies the accepted ones among `changes`; refused ones record nothing and are skipped. */
export function applyAccepted(session: TimelineSession, changes: AbstractChange[], actor: Actor = coach) {
  const events = [];
  let current = session;
  for (const c of changes) {
    try {
      const outcome = change(current, { change: concrete(current.timeline, c) }, actor, NOW);
      current = outcome.session;
      events.push(outcome.event);
    } catch (err) {
      if (!(err instanceof TimelineRefusal)) throw err;
    }
  }
  return { session: current, events };
}

/** The timeline as a user sees it, without the sequence that every event advances. */
export function content(state: TimelineState) {
  const { sequence: _sequence, ...rest } = state;
  return rest;
}
