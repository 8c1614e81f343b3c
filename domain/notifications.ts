/** A message for the `notifications` outbox; nothing sends them yet. Pure: imports nothing of the project. */
export interface OutboxMessage {
  /** The same message queued twice (activity retry, replay) is kept once. */
  dedupeKey: string;
  kind: string;
  recipient: string;
  enrollmentId?: string;
  payload: Record<string, unknown>;
}
