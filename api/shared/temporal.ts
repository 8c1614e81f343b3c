import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { FailureTypes } from '../../workflows/messages';
import { badRequest, conflict, HttpError, notFound, unavailable, type FieldIssue } from './errors';

const GRPC = {
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  resourceExhausted: 8,
  failedPrecondition: 9,
  unavailable: 14,
} as const;

/** What a call to a workflow acts on, for the messages and for telling a finished workflow from an unknown one. */
export interface WorkflowTarget {
  /** `enrollment TSA-ENROLL-…`, `workflow coach-onboarding:…`: named in every refusal. */
  what: string;
  /** Whether the resource is known to the API (its projection row): a workflow that is gone is then closed (409). */
  exists?: () => Promise<boolean>;
  /** The code of a refusal Temporal explains as a failed precondition (a reset with nothing to reset). */
  refusedCode?: string;
}

/** Attempts of an update the server hands back unprocessed (the worker was busy with the workflow's task). */
const UPDATE_ATTEMPTS = 4;
const RETRY_AFTER_SECONDS = 1;

/**
 * The server answers "Workflow Update is rejected because it wasn't processed by worker" when the workflow task that
 * carried the update completed without it (many updates at once). Nothing was applied, and the validator decides again
 * on a retry, so sending it again is safe.
 */
function isUnprocessedUpdate(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    (err.cause.type === 'UnprocessedUpdate' || /wasn't processed by worker/.test(err.cause.message))
  );
}

function grpcCode(err: unknown): number | undefined {
  if (isGrpcServiceError(err)) return err.code;
  if (err instanceof ServiceError && isGrpcServiceError(err.cause)) return err.cause.code;
  return undefined;
}

/**
 * The one translation of what Temporal answers into what a caller sees: a validator's refusal into 400 or 409 with its
 * reason, an unknown workflow into 404 (or 409 when the API knows it and it has finished), a busy or unreachable
 * server into 503 with `Retry-After`. Anything else is rethrown as it is (a 500 with the request id).
 */
export async function temporalErrorToHttp(err: unknown, target: WorkflowTarget): Promise<unknown> {
  if (err instanceof HttpError) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    if (failure.type === FailureTypes.invalidInput) {
      const issues = (failure.details?.[0] as FieldIssue[] | undefined) ?? undefined;
      return new HttpError(400, 'invalid_request', failure.message, issues);
    }
    if (failure.type === FailureTypes.stepOutOfOrder) return conflict('step_out_of_order', failure.message);
    if (failure.type === FailureTypes.enrollmentClosed) return conflict('enrollment_closed', failure.message);
    if (isUnprocessedUpdate(err)) {
      return unavailable(
        'busy',
        `${target.what} is busy with other submissions; send this one again`,
        RETRY_AFTER_SECONDS,
      );
    }
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return unavailable('busy', `${target.what} did not answer in time; send this again`, RETRY_AFTER_SECONDS);
  }
  const code = grpcCode(err);
  if (err instanceof WorkflowNotFoundError || code === GRPC.notFound) {
    if (target.exists && (await target.exists())) return conflict('enrollment_closed', `${target.what} is closed`);
    return notFound(`${target.what} not found`);
  }
  if (code === GRPC.invalidArgument) return badRequest((err as { details?: string }).details ?? String(err));
  if (code === GRPC.failedPrecondition) {
    return conflict(target.refusedCode ?? 'refused', (err as { details?: string }).details ?? String(err));
  }
  if (code === GRPC.unavailable || code === GRPC.deadlineExceeded || code === GRPC.resourceExhausted) {
    return unavailable('temporal_unavailable', 'the workflow service is unavailable; try again shortly', 5);
  }
  return err;
}

/**
 * Calls a workflow (start, update, signal, query, describe) and answers its refusals through `temporalErrorToHttp`;
 * an update the server handed back unprocessed is sent again a few times before the caller is told to retry.
 */
export async function callWorkflow<T>(target: WorkflowTarget, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt < UPDATE_ATTEMPTS && isUnprocessedUpdate(err)) {
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt * attempt));
        continue;
      }
      throw await temporalErrorToHttp(err, target);
    }
  }
}
