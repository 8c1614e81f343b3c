import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { FailureTypes } from '../workflows/messages';
import { conflict, HttpError, notFound, type FieldIssue } from './errors';

/**
 * Turns what Temporal answers into what the caller should see: a validator's refusal into 400 or 409 with its
 * reason, an enrollment whose workflow has finished into 409, an unknown one into 404.
 */
export function toHttpError(err: unknown, what: string, exists: () => Promise<boolean>): Promise<never> {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    if (failure.type === FailureTypes.invalidInput) {
      const issues = (failure.details?.[0] as FieldIssue[] | undefined) ?? undefined;
      return Promise.reject(new HttpError(400, 'invalid_request', failure.message, issues));
    }
    if (failure.type === FailureTypes.stepOutOfOrder)
      return Promise.reject(conflict('step_out_of_order', failure.message));
    if (failure.type === FailureTypes.enrollmentClosed)
      return Promise.reject(conflict('enrollment_closed', failure.message));
  }
  if (err instanceof WorkflowNotFoundError) {
    return exists().then((found) =>
      Promise.reject(found ? conflict('enrollment_closed', `${what} is closed`) : notFound(`${what} not found`)),
    );
  }
  return Promise.reject(err);
}
