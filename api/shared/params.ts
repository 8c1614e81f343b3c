import { z } from 'zod';
import { ENROLLMENT_ID_PATTERN } from '../../workflows/messages';

/**
 * A whole number as a path or query parameter, written the one canonical way: digits, no sign, no leading zero, no
 * spaces, no `1.0`, `0x1` or `1e0` (which `Number()` would all take as 1).
 */
export const canonicalInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,14})$/, 'must be a whole number written in digits, like 1')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const enrollmentId = z
  .string()
  .regex(ENROLLMENT_ID_PATTERN, 'must be an enrollment id like TSA-ENROLL-20260101-ABC123');
export const workflowId = z.string().min(1).max(200);
/** Temporal run ids are UUIDs; anything else cannot name a run. */
export const runId = z.guid('must be a run id (a UUID)');
export const pageLimit = (fallback: number, max: number) => canonicalInt(1, max).default(fallback);

export const enrollmentParams = z.object({ id: enrollmentId });
export const stepParams = enrollmentParams.extend({ step: canonicalInt(1, 6) });
export const workflowParams = z.object({ workflowId });
