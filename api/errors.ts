/**
 * Kept for routes written against it: the error types now live in `api/shared` (import from `./shared` in new code).
 */
export * from './shared/errors';
