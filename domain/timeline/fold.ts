import type { Dependency, DependentEdge, EventBody, Step, TimelineEvent, TimelineState } from './types';

export function compareSteps(a: Step, b: Step): number {
  if (a.orderKey !== b.orderKey) return a.orderKey < b.orderKey ? -1 : 1;
  return a.stepId < b.stepId ? -1 : a.stepId > b.stepId ? 1 : 0;
}

function withStep(state: TimelineState, stepId: string, update: (step: Step) => Step): Step[] {
  return state.steps.map((step) => (step.stepId === stepId ? update(step) : step));
}

/** A step's dependencies stay sorted by prerequisite, so removing and restoring an edge gives back the same list. */
export function withDependency(dependencies: readonly Dependency[], added: Dependency): Dependency[] {
  return [...dependencies, added].sort((a, b) => (a.dependsOn < b.dependsOn ? -1 : a.dependsOn > b.dependsOn ? 1 : 0));
}

function restoreDependents(steps: Step[], dependents: DependentEdge[]): Step[] {
  if (dependents.length === 0) return steps;
  return steps.map((step) => {
    const restored = dependents.filter((d) => d.stepId === step.stepId).map((d) => d.dependency);
    return restored.length ? { ...step, dependencies: restored.reduce(withDependency, step.dependencies) } : step;
  });
}

function applyBody(state: TimelineState, body: EventBody): TimelineState {
  switch (body.type) {
    case 'create':
      return body.after;
    case 'add': {
      const steps = restoreDependents([...state.steps, body.after.step], body.after.dependents);
      return { ...state, steps: steps.sort(compareSteps) };
    }
    case 'remove': {
      const steps = state.steps
        .filter((step) => step.stepId !== body.stepId)
        .map((step) =>
          step.dependencies.some((d) => d.dependsOn === body.stepId)
            ? { ...step, dependencies: step.dependencies.filter((d) => d.dependsOn !== body.stepId) }
            : step,
        );
      return { ...state, steps };
    }
    case 'move':
      return {
        ...state,
        steps: withStep(state, body.stepId, (s) => ({ ...s, orderKey: body.after.orderKey })).sort(compareSteps),
      };
    case 'modify':
      return { ...state, steps: withStep(state, body.stepId, (s) => ({ ...s, ...body.after })) };
    case 'setStatus':
      return { ...state, steps: withStep(state, body.stepId, (s) => ({ ...s, ...body.after })) };
    case 'addDependency':
      return {
        ...state,
        steps: withStep(state, body.stepId, (s) => ({
          ...s,
          dependencies: withDependency(s.dependencies, body.after),
        })),
      };
    case 'removeDependency':
      return {
        ...state,
        steps: withStep(state, body.stepId, (s) => ({
          ...s,
          dependencies: s.dependencies.filter((d) => d.dependsOn !== body.before.dependsOn),
        })),
      };
    case 'setCustomFields': {
      const customFields = { ...state.customFields };
      for (const [field, value] of Object.entries(body.after)) {
        if (value === null) delete customFields[field];
        else customFields[field] = value;
      }
      return { ...state, customFields };
    }
  }
}

/**
 * The fold: the timeline after one more event. Pure; the workflow, the projection and the rebuild all run it, so
 * the tables rebuilt from the events equal the live ones.
 */
export function applyChange(state: TimelineState | undefined, event: TimelineEvent): TimelineState {
  if (event.type !== 'create' && !state) throw new Error(`event ${event.sequence} comes before the timeline exists`);
  return { ...applyBody(state as TimelineState, event), sequence: event.sequence };
}

export function foldEvents(events: readonly TimelineEvent[]): TimelineState | undefined {
  return events.reduce<TimelineState | undefined>(applyChange, undefined);
}
