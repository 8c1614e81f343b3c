/**
 * What every route shares: parameter schemas, the actor of a request, the error types and the one mapping of
 * Temporal's answers to HTTP, the cursor codec. A new resource (`routes/coaches.ts`) imports these and copies nothing.
 */
export { actorOf, coachIdOf } from './actor';
export { enrollmentListItem, enrollmentListPage, pageOfEnrollments } from './enrollment-list';
export { cursorCodec, cursorQuery, cursorTimestamp, nextCursorSchema, pageOf, type CursorCodec } from './cursor';
export {
  badRequest,
  conflict,
  errorResponses,
  errorSchema,
  forbidden,
  HttpError,
  invalidParameter,
  notFound,
  registerErrorHandler,
  unavailable,
  zodIssues,
  type FieldIssue,
} from './errors';
export {
  canonicalInt,
  enrollmentId,
  enrollmentParams,
  pageLimit,
  runId,
  stepParams,
  workflowId,
  workflowParams,
} from './params';
export { callWorkflow, temporalErrorToHttp, type WorkflowTarget } from './temporal';
