import { describe, expect, it } from 'vitest';
import {
  boardRows,
  changeRequest,
  dependencyCandidates,
  dependencyChange,
  editValues,
  emptyDependency,
  formatDate,
  isStale,
  issuesByControl,
  launchOutlook,
  modifyFields,
  moveBy,
  moveForDrop,
  orderAfterMove,
  type Analytics,
  type Timeline,
  type TimelineStep,
} from '../../web/src/timeline-board';

function step(stepId: string, overrides: Partial<TimelineStep> = {}): TimelineStep {
  return {
    stepId,
    name: `Step ${stepId}`,
    description: null,
    category: 'legal',
    priority: 'high',
    status: 'not_started',
    orderIndex: 0,
    orderKey: 'a0',
    plannedStart: null,
    dueDate: '2027-03-01',
    durationDays: 5,
    nextActions: [],
    notes: null,
    resources: [],
    tags: [],
    assignee: null,
    dependencies: [],
    blockers: [],
    startedAt: null,
    completedAt: null,
    ...overrides,
  };
}

const hard = (dependsOn: string) => ({ dependsOn, kind: 'hard' as const, relation: 'FS' as const, lagDays: 0 });

function timeline(): Timeline {
  const steps = [
    step('legal', { name: 'Form the legal entity' }),
    step('insurance', { name: 'Secure insurance', dependencies: [hard('legal')] }),
    step('lease', {
      name: 'Sign the lease',
      dependencies: [hard('legal'), { ...hard('insurance'), kind: 'soft' }],
      blockers: [{ dependsOn: 'legal', kind: 'hard', relation: 'FS', message: 'legal is not complete' }],
    }),
    step('launch', { name: 'Launch', dependencies: [hard('gone')] }),
  ].map((s, orderIndex) => ({ ...s, orderIndex }));
  return {
    timelineId: 'TSA-TL-20270101-ABCDEF',
    coachId: 'TSA-COACH-20270101-ABCDEF',
    templateId: 'default_microschool_v1',
    name: 'Riverside Soccer Academy',
    targetLaunchDate: '2027-08-16',
    focusAreas: [],
    customizationLevel: 'moderate',
    sequence: 7,
    customFields: {},
    steps,
  };
}

const schedule = (stepId: string, slackDays: number) => ({
  stepId,
  earliestStart: '2027-01-04',
  earliestFinish: '2027-01-08',
  latestStart: '2027-01-04',
  latestFinish: '2027-01-08',
  slackDays,
  critical: slackDays === 0,
});

function analytics(overrides: Partial<Analytics> = {}): Analytics {
  return {
    timelineId: 'TSA-TL-20270101-ABCDEF',
    sequence: 7,
    asOf: '2027-01-04',
    totalSteps: 4,
    completedSteps: 1,
    completionPercent: 25,
    overdueSteps: [{ stepId: 'insurance', name: 'Secure insurance', dueDate: '2027-01-01', workingDaysOverdue: 2 }],
    blockedSteps: [{ stepId: 'lease', name: 'Sign the lease', status: 'not_started', blockers: [] }],
    targetLaunchDate: '2027-08-16',
    projectedLaunchDate: '2027-08-19',
    workingDaysAheadOfTarget: -3,
    criticalPath: ['legal', 'lease'],
    schedule: [schedule('legal', 0), schedule('insurance', 4), schedule('lease', 0)],
    ...overrides,
  };
}

const ORDER = ['legal', 'insurance', 'lease', 'launch'];

describe('the timeline board: moving steps', () => {
  it('turns a drop lower in the list into a move after the step dropped on, and higher into a move before it', () => {
    expect(moveForDrop(ORDER, 'legal', 'lease')).toEqual({ type: 'move', stepId: 'legal', after: 'lease' });
    expect(moveForDrop(ORDER, 'launch', 'insurance')).toEqual({ type: 'move', stepId: 'launch', before: 'insurance' });
  });

  it('makes no change for a drop on the step itself, outside the list, or on a step the board does not show', () => {
    expect(moveForDrop(ORDER, 'lease', 'lease')).toBeNull();
    expect(moveForDrop(ORDER, 'lease', null)).toBeNull();
    expect(moveForDrop(ORDER, 'lease', 'elsewhere')).toBeNull();
  });

  it('moves one place up or down with the buttons, and not past either end', () => {
    expect(moveBy(ORDER, 'lease', -1)).toEqual({ type: 'move', stepId: 'lease', before: 'insurance' });
    expect(moveBy(ORDER, 'lease', 1)).toEqual({ type: 'move', stepId: 'lease', after: 'launch' });
    expect(moveBy(ORDER, 'legal', -1)).toBeNull();
    expect(moveBy(ORDER, 'launch', 1)).toBeNull();
  });

  it('shows the order the API will make while it answers, the same as where the drag left the step', () => {
    const dropped = (active: string, over: string) => orderAfterMove(ORDER, moveForDrop(ORDER, active, over)!);
    // Where the list showed the step during the drag: at the index of the step it was dropped on.
    expect(dropped('legal', 'lease')).toEqual(['insurance', 'lease', 'legal', 'launch']);
    expect(dropped('launch', 'insurance')).toEqual(['legal', 'launch', 'insurance', 'lease']);
    expect(orderAfterMove(ORDER, { type: 'move', stepId: 'lease', position: 'start' })).toEqual([
      'lease',
      'legal',
      'insurance',
      'launch',
    ]);
    expect(orderAfterMove(ORDER, { type: 'move', stepId: 'legal', position: 'end' })).toEqual([
      'insurance',
      'lease',
      'launch',
      'legal',
    ]);
    // A neighbour the board does not know leaves the order as it is.
    expect(orderAfterMove(ORDER, { type: 'move', stepId: 'legal', after: 'nowhere' })).toEqual(ORDER);
  });

  it('sends every change with the sequence the board shows', () => {
    const change = moveBy(ORDER, 'lease', -1)!;
    expect(changeRequest(timeline(), change)).toEqual({ change, expectedSequence: 7 });
  });
});

describe('the timeline board: steps merged with the analytics', () => {
  it('numbers the steps in order, names their prerequisites, and marks the critical, overdue and blocked ones', () => {
    const rows = boardRows(timeline(), analytics(), { lease: ['insurance is not complete'] });
    expect(rows.map((r) => [r.position, r.step.stepId, r.critical, r.overdueDays, r.blocked])).toEqual([
      [1, 'legal', true, undefined, false],
      [2, 'insurance', false, 2, false],
      [3, 'lease', true, undefined, true],
      [4, 'launch', false, undefined, false],
    ]);
    expect(rows[1]!.schedule?.slackDays).toBe(4);
    expect(rows[3]!.schedule).toBeUndefined();
    expect(rows[2]!.dependencies.map((d) => [d.dependsOnName, d.kind])).toEqual([
      ['Form the legal entity', 'hard'],
      ['Secure insurance', 'soft'],
    ]);
    // A prerequisite that is no longer a step is named by its id.
    expect(rows[3]!.dependencies[0]!.dependsOnName).toBe('gone');
    expect(rows[2]!.warnings).toEqual(['insurance is not complete']);
    expect(rows[0]!.warnings).toEqual([]);
  });

  it('still shows a blocked step before the analytics arrive, and ignores analytics of another timeline', () => {
    for (const rows of [
      boardRows(timeline()),
      boardRows(timeline(), analytics({ timelineId: 'TSA-TL-20270101-OTHER1' })),
    ]) {
      expect(rows.map((r) => r.critical)).toEqual([false, false, false, false]);
      expect(rows.map((r) => r.blocked)).toEqual([false, false, true, false]);
      expect(rows.every((r) => r.schedule === undefined)).toBe(true);
    }
  });

  it('shows a pending order while the API answers, but never one that lost or gained a step', () => {
    const pending = ['insurance', 'legal', 'lease', 'launch'];
    expect(boardRows(timeline(), undefined, {}, pending).map((r) => [r.position, r.step.stepId])).toEqual([
      [1, 'insurance'],
      [2, 'legal'],
      [3, 'lease'],
      [4, 'launch'],
    ]);
    expect(boardRows(timeline(), undefined, {}, ['legal']).map((r) => r.step.stepId)).toEqual(ORDER);
  });

  it('says whether the projected launch is ahead of the target, behind it or on it, in working days', () => {
    expect(launchOutlook(analytics())).toEqual({
      outlook: 'behind',
      workingDays: 3,
      projected: '2027-08-19',
      target: '2027-08-16',
    });
    expect(launchOutlook(analytics({ workingDaysAheadOfTarget: 5 }))).toMatchObject({
      outlook: 'ahead',
      workingDays: 5,
    });
    expect(launchOutlook(analytics({ workingDaysAheadOfTarget: 0 }))).toMatchObject({ outlook: 'on_target' });
  });

  it('shows a calendar date in the reader’s language without shifting it a day', () => {
    expect(formatDate('2027-08-16', 'en')).toBe('Aug 16, 2027');
    expect(formatDate('2027-08-16', 'es')).toMatch(/16 ago 2027/);
    expect(formatDate('someday', 'en')).toBe('someday');
  });
});

describe('the timeline board: edits, dependencies and refusals', () => {
  const insurance = () => timeline().steps[1]!;

  it('sends only what the coach changed in the edit form', () => {
    const values = editValues(insurance());
    expect(modifyFields(insurance(), values)).toEqual({});
    expect(
      modifyFields(insurance(), {
        ...values,
        name: 'Secure liability insurance',
        dueDate: '',
        durationDays: '8',
        notes: 'Ask two brokers',
        nextActions: 'Request quotes\n\n  Bind the policy  ',
        tags: 'insurance, legal',
      }),
    ).toEqual({
      name: 'Secure liability insurance',
      dueDate: null,
      durationDays: 8,
      notes: 'Ask two brokers',
      nextActions: ['Request quotes', 'Bind the policy'],
      tags: ['insurance', 'legal'],
    });
  });

  it('leaves a duration that is not a whole number for the API to refuse at its field', () => {
    expect(modifyFields(insurance(), { ...editValues(insurance()), durationDays: 'two' })).toEqual({
      durationDays: 'two',
    });
  });

  it('builds the dependency the form asks for, with a condition only for a conditional one', () => {
    expect(dependencyChange('launch', { ...emptyDependency(), dependsOn: 'lease', lagDays: '-2' })).toEqual({
      type: 'addDependency',
      stepId: 'launch',
      dependsOn: 'lease',
      kind: 'hard',
      relation: 'FS',
      lagDays: -2,
    });
    expect(
      dependencyChange('launch', {
        ...emptyDependency(),
        dependsOn: 'lease',
        kind: 'conditional',
        relation: 'SS',
        lagDays: '',
        conditionField: ' facility_type ',
        conditionEquals: 'leased',
      }),
    ).toEqual({
      type: 'addDependency',
      stepId: 'launch',
      dependsOn: 'lease',
      kind: 'conditional',
      relation: 'SS',
      lagDays: 0,
      condition: { field: 'facility_type', equals: 'leased' },
    });
    expect(
      dependencyChange('launch', { ...emptyDependency(), kind: 'conditional', conditionEquals: 'true' }).condition
        ?.equals,
    ).toBe(true);
  });

  it('offers as prerequisites every other step the step does not depend on yet', () => {
    expect(dependencyCandidates(timeline(), 'lease').map((s) => s.stepId)).toEqual(['launch']);
    expect(dependencyCandidates(timeline(), 'legal').map((s) => s.stepId)).toEqual(['insurance', 'lease', 'launch']);
  });

  it("puts the API's issues at their fields and a refusal without one on the form", () => {
    const cycle = {
      error: 'dependency_cycle',
      message: 'legal depending on lease would make a cycle',
      issues: [{ path: 'change.dependsOn', message: 'legal depending on lease would make a cycle' }],
    };
    expect(issuesByControl(cycle, 'change.', ['dependsOn', 'kind'])).toEqual({
      dependsOn: 'legal depending on lease would make a cycle',
    });
    const fields = {
      error: 'invalid_request',
      message: 'body is invalid',
      issues: [
        { path: 'change.fields.dueDate', message: 'must be a date YYYY-MM-DD' },
        { path: 'change.fields.tags.1', message: 'too long' },
        { path: 'expectedSequence', message: 'must be a number' },
      ],
    };
    expect(issuesByControl(fields, 'change.fields.', ['dueDate', 'tags'])).toEqual({
      dueDate: 'must be a date YYYY-MM-DD',
      tags: 'too long',
      '': 'must be a number',
    });
    expect(issuesByControl({ error: 'nothing_to_undo', message: 'nothing to undo' }, 'change.', [])).toEqual({
      '': 'nothing to undo',
    });
  });

  it('knows a stale sequence', () => {
    expect(isStale({ error: 'stale_sequence', message: 'expected 3, the timeline is at 4' })).toBe(true);
    expect(isStale({ error: 'dependency_cycle', message: '…' })).toBe(false);
    expect(isStale(undefined)).toBe(false);
  });
});
