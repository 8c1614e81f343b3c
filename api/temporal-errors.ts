import { temporalErrorToHttp } from './shared/temporal';

/**
 * Kept for routes written against it; new code calls `callWorkflow` from `./shared`, which also retries an update the
 * server handed back unprocessed. Rejects with the HTTP error the caller should see.
 */
export async function toHttpError(err: unknown, what: string, exists: () => Promise<boolean>): Promise<never> {
  throw await temporalErrorToHttp(err, { what, exists });
}
