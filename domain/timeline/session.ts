import { inverseOf, materialize, planChange, TimelineRefusal, type TimelineChange } from './changes';
import { applyChange } from './fold';
import type { EventMeta, ReversibleBody, ReversibleEvent, TimelineEvent, TimelineState, Trigger } from './types';

/** How many changes each actor can undo (and redo); older ones drop off, which keeps a carried state bounded. */
export const STACK_LIMIT = 100;

export interface ActorStacks {
  undo: ReversibleEvent[];
  redo: ReversibleEvent[];
}

/** The timeline and, per actor, the changes it can undo and redo. */
export interface TimelineSession {
  timeline: TimelineState;
  actors: Record<string, ActorStacks>;
}

export interface Actor {
  actorId: string;
  triggeredBy: Trigger;
}

export interface ChangeRequest {
  change: TimelineChange;
  expectedSequence?: number;
  reason?: string;
}

export interface Outcome {
  session: TimelineSession;
  event: ReversibleEvent;
  warnings: string[];
}

export function startSession(created: TimelineEvent): TimelineSession {
  return { timeline: applyChange(undefined, created), actors: {} };
}

const bounded = <T>(list: T[]): T[] => (list.length > STACK_LIMIT ? list.slice(list.length - STACK_LIMIT) : list);

function checkSequence(session: TimelineSession, expectedSequence: number | undefined): void {
  if (expectedSequence !== undefined && expectedSequence !== session.timeline.sequence) {
    throw new TimelineRefusal(
      'stale_sequence',
      `the timeline is at sequence ${session.timeline.sequence}, not ${expectedSequence}: reload it and try again`,
      'expectedSequence',
    );
  }
}

function eventOf(
  session: TimelineSession,
  body: ReversibleBody,
  actor: Actor,
  meta: Pick<EventMeta, 'origin' | 'revertsSequence' | 'reason' | 'occurredAt'>,
): ReversibleEvent {
  return {
    ...body,
    sequence: session.timeline.sequence + 1,
    triggeredBy: actor.triggeredBy,
    actorId: actor.actorId,
    ...meta,
  } as ReversibleEvent;
}

function outcome(session: TimelineSession, event: ReversibleEvent, stacks: ActorStacks, warnings: string[]): Outcome {
  return {
    session: { timeline: applyChange(session.timeline, event), actors: { ...session.actors, [event.actorId]: stacks } },
    event,
    warnings,
  };
}

const stacksOf = (session: TimelineSession, actorId: string): ActorStacks =>
  session.actors[actorId] ?? { undo: [], redo: [] };

/** A new change: recorded, pushed on the actor's undo stack, and the actor's redo stack cleared. */
export function change(session: TimelineSession, request: ChangeRequest, actor: Actor, now: string): Outcome {
  checkSequence(session, request.expectedSequence);
  const plan = planChange(session.timeline, request.change, now);
  const event = eventOf(session, plan.body, actor, {
    origin: 'change',
    revertsSequence: null,
    reason: request.reason ?? null,
    occurredAt: now,
  });
  const stacks = stacksOf(session, actor.actorId);
  return outcome(session, event, { undo: bounded([...stacks.undo, event]), redo: [] }, plan.warnings);
}

export interface RevertOptions {
  expectedSequence?: number;
  reason?: string;
}

/** Undoes the actor's last change (or redo) by recording its inverse; it can then be redone. */
export function undo(session: TimelineSession, actor: Actor, now: string, options: RevertOptions = {}): Outcome {
  checkSequence(session, options.expectedSequence);
  const stacks = stacksOf(session, actor.actorId);
  const last = stacks.undo[stacks.undo.length - 1];
  if (!last) throw new TimelineRefusal('nothing_to_undo', `nothing of ${actor.actorId} left to undo`);
  const body = conflictAsUndo(() => materialize(session.timeline, inverseOf(last)));
  const event = eventOf(session, body, actor, {
    origin: 'undo',
    revertsSequence: last.sequence,
    reason: options.reason ?? null,
    occurredAt: now,
  });
  return outcome(session, event, { undo: stacks.undo.slice(0, -1), redo: bounded([...stacks.redo, last]) }, []);
}

/** Re-applies the change the actor undid last; the redo can itself be undone. */
export function redo(session: TimelineSession, actor: Actor, now: string, options: RevertOptions = {}): Outcome {
  checkSequence(session, options.expectedSequence);
  const stacks = stacksOf(session, actor.actorId);
  const last = stacks.redo[stacks.redo.length - 1];
  if (!last) throw new TimelineRefusal('nothing_to_redo', `nothing of ${actor.actorId} left to redo`);
  const body = conflictAsUndo(() => materialize(session.timeline, last));
  const event = eventOf(session, body, actor, {
    origin: 'redo',
    revertsSequence: last.sequence,
    reason: options.reason ?? null,
    occurredAt: now,
  });
  return outcome(session, event, { undo: bounded([...stacks.undo, event]), redo: stacks.redo.slice(0, -1) }, []);
}

/** What another actor did since can make an undo impossible (the step is gone, the edge would close a cycle). */
function conflictAsUndo(materializeIt: () => ReversibleBody): ReversibleBody {
  try {
    return materializeIt();
  } catch (err) {
    if (!(err instanceof TimelineRefusal)) throw err;
    throw new TimelineRefusal('undo_conflict', `cannot be reverted any more: ${err.message}`);
  }
}

/** The first event of every timeline: the template's steps as instantiated, so a rebuild needs the events alone. */
export function createTimeline(
  initial: TimelineState,
  actor: Actor,
  now: string,
): { session: TimelineSession; event: TimelineEvent } {
  const event: TimelineEvent = {
    type: 'create',
    stepId: null,
    before: null,
    after: initial,
    sequence: initial.sequence + 1,
    reason: null,
    triggeredBy: actor.triggeredBy,
    actorId: actor.actorId,
    origin: 'change',
    revertsSequence: null,
    occurredAt: now,
  };
  return { session: startSession(event), event };
}
