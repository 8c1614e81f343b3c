import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findEnrollment, listEnrollments } from '../../db/repositories/enrollments';
import { ENROLLMENT_STATUSES, STUDENT_RECORDS_STATUSES } from '../../db/schema';
import { studentCorrectionsSchema, type StudentCorrections } from '../../workflows/enrollment-schemas';
import { retryStudentRecordsSignal, type Actor } from '../../workflows/messages';
import { currentWorkflowBundle, replayHistory, resetWorkflow, type ResetPoint } from '../services/workflow-operations';
import {
  actorOf,
  callWorkflow,
  canonicalInt,
  conflict,
  cursorQuery,
  enrollmentListPage,
  enrollmentParams,
  errorResponses,
  HttpError,
  notFound,
  pageLimit,
  pageOfEnrollments,
  runId,
  workflowParams,
} from '../shared';

const OPEN_STATUSES = ['in_progress', 'registered', 'enrolled'] as const;
const BATCH_CONCURRENCY = 8;

const enrollmentStatus = z.enum(ENROLLMENT_STATUSES);
const studentRecordsStatus = z.enum(STUDENT_RECORDS_STATUSES);
const coachId = z.string().min(1).max(100);
const schoolId = canonicalInt(1, Number.MAX_SAFE_INTEGER);

const retryBody = z.strictObject({
  corrections: studentCorrectionsSchema
    .optional()
    .describe('fixes to the step 4 data, validated like step 4; any subset of its fields'),
});

const batchRetryBody = retryBody.extend({
  filter: z
    .strictObject({
      coachId: coachId.optional(),
      schoolId: z.number().int().positive().optional(),
      status: enrollmentStatus.optional().describe('the enrollment status; open enrollments only when absent'),
    })
    .default({}),
});

const resetBody = z.strictObject({
  to: z
    .union([z.enum(['last-workflow-task', 'first-workflow-task']), z.number().int().positive()])
    .describe('`last-workflow-task`, `first-workflow-task`, or the id of a WorkflowTaskCompleted event'),
  reason: z.string().trim().min(1).max(500).describe('written into the new run’s history and the audit log'),
  reapplySignals: z
    .boolean()
    .default(true)
    .describe('re-deliver the signals and updates (step submissions) received after the reset point to the new run'),
});

const replayResponse = z.object({
  workflowId: z.string(),
  runId: z.string(),
  deterministic: z.boolean(),
  error: z.string().optional().describe('`event N (Type): ` and the SDK’s message: where the code and history part'),
  errorType: z.enum(['DeterminismViolationError', 'ReplayError']).optional(),
  event: z.object({ eventId: z.number().int(), type: z.string() }).optional(),
});

const errors = errorResponses;

interface BatchResult {
  enrollmentId: string;
  outcome: 'retried' | 'error';
  error?: string;
}

/** `{}` corrects nothing: sent on, it would rewrite a record set that is already right. */
const nonEmpty = (c: StudentCorrections | undefined) => (c && Object.keys(c).length > 0 ? c : undefined);

const workflow = (workflowId: string) => ({ what: `workflow ${workflowId}`, refusedCode: 'reset_refused' });

/** What operators use to keep enrollments moving: failed record sets, retries, resets and replays. */
const opsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.services;
  const dataConverter = app.services.dataConverter ?? {
    payloadCodecs: temporal.options.loadedDataConverter.payloadCodecs,
  };
  const bundleOnce = currentWorkflowBundle();
  const workflowBundle = async () => app.services.workflowBundle ?? bundleOnce();
  const onlyOps = app.requireRole('ops');

  // The projection row was found first, so a workflow that is gone has finished.
  const retry = (id: string, corrections: StudentCorrections | undefined, actor: Actor) =>
    callWorkflow({ what: `enrollment ${id}`, exists: async () => true }, () =>
      temporal.workflow
        .getHandle(id)
        .signal(retryStudentRecordsSignal, { ...(corrections ? { corrections } : {}), actor }),
    );

  app.get(
    '/ops/enrollments',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: 'Enrollments from the projection, newest change first: e.g. every failed student record set',
        querystring: z.object({
          studentRecords: studentRecordsStatus.optional(),
          status: enrollmentStatus.optional(),
          coachId: coachId.optional(),
          schoolId: schoolId.optional(),
          updatedSince: z.iso.datetime({ offset: true }).optional().describe('inclusive'),
          limit: pageLimit(50, 500),
          cursor: cursorQuery,
        }),
        response: { 200: enrollmentListPage, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      return pageOfEnrollments(
        db,
        {
          studentRecords: q.studentRecords,
          status: q.status,
          coachId: q.coachId,
          schoolId: q.schoolId,
          updatedSince: q.updatedSince ? new Date(q.updatedSince) : undefined,
        },
        { limit: q.limit, cursor: q.cursor },
      );
    },
  );

  app.post(
    '/ops/enrollments/:id/student-records/retry',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: 'Retry creating the student record set, optionally with corrected step 4 data',
        description:
          'The workflow applies the corrections and writes the record set again; a retry while one is running, or ' +
          'of a set that already exists, leaves one record set.',
        params: enrollmentParams,
        body: retryBody.nullish(),
        response: { 202: z.object({ accepted: z.literal(true) }), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const row = await findEnrollment(db, id);
      if (!row) throw notFound(`enrollment ${id} not found`);
      if (row.student_records_status === 'not_started') {
        throw conflict('student_step_missing', `enrollment ${id} has no student data yet: step 4 is not submitted`);
      }
      const corrections = nonEmpty(request.body?.corrections);
      // Field names only: the values are personal data.
      request.auditContext.details = { correctedFields: Object.keys(corrections ?? {}) };
      await retry(id, corrections, actorOf(request));
      return reply.status(202).send({ accepted: true as const });
    },
  );

  app.post(
    '/ops/enrollments/student-records/retry',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: 'Retry every failed student record set matching a filter; reports each outcome',
        description:
          'Selects from the projection the enrollments whose student records failed (open enrollments unless ' +
          '`filter.status` names another status) and sends each a retry with the same corrections.',
        body: batchRetryBody,
        response: {
          200: z.object({
            results: z.array(
              z.object({
                enrollmentId: z.string(),
                outcome: z.enum(['retried', 'error']),
                error: z.string().optional(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { filter } = request.body;
      const corrections = nonEmpty(request.body.corrections);
      const ids: string[] = [];
      let after: { updatedAt: string; enrollmentId: string } | undefined;
      for (;;) {
        const rows = await listEnrollments(db, { studentRecords: 'failed', ...filter, after, limit: 200 });
        for (const row of rows) {
          if (filter.status || (OPEN_STATUSES as readonly string[]).includes(row.status)) ids.push(row.enrollment_id);
        }
        const last = rows.at(-1);
        if (rows.length < 200 || !last) break;
        after = { updatedAt: last.updated_at_key, enrollmentId: last.enrollment_id };
      }

      const actor = actorOf(request);
      const results: BatchResult[] = new Array(ids.length);
      let next = 0;
      const retryNext = async (): Promise<void> => {
        for (let i = next++; i < ids.length; i = next++) {
          const enrollmentId = ids[i]!;
          try {
            await retry(enrollmentId, corrections, actor);
            results[i] = { enrollmentId, outcome: 'retried' };
          } catch (err) {
            if (!(err instanceof HttpError)) request.log.error({ err, enrollmentId }, 'batch retry failed');
            const error =
              err instanceof HttpError ? err.message : `could not signal the workflow (request ${request.id})`;
            results[i] = { enrollmentId, outcome: 'error', error };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, ids.length) }, retryNext));
      request.auditContext.details = {
        filter: { ...filter },
        correctedFields: Object.keys(corrections ?? {}),
        retried: results.filter((r) => r.outcome === 'retried').map((r) => r.enrollmentId),
        errors: results.filter((r) => r.outcome === 'error').map((r) => r.enrollmentId),
      };
      return { results };
    },
  );

  app.post(
    '/ops/workflows/:workflowId/reset',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: "Reset a workflow's current run to a workflow task; answers the new run id",
        description:
          'Through Temporal’s reset API: the current run is terminated and a new run replays its history up to ' +
          'the reset point, then continues with the code the worker runs now. The reason is recorded in the new ' +
          'run’s history.',
        params: workflowParams,
        body: resetBody,
        response: {
          200: z.object({
            workflowId: z.string(),
            runId: z.string().describe('the new run'),
            previousRunId: z.string(),
            resetToEventId: z.number().int(),
            reason: z.string(),
            reapplySignals: z.boolean(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { workflowId } = request.params;
      const { to, reason, reapplySignals } = request.body;
      const result = await callWorkflow(workflow(workflowId), () =>
        resetWorkflow(temporal, { workflowId, to: to as ResetPoint, reason, reapplySignals }),
      );
      request.auditContext.details = {
        reason,
        previousRunId: result.previousRunId,
        runId: result.runId,
        resetToEventId: result.resetToEventId,
      };
      return { ...result, reason, reapplySignals };
    },
  );

  app.post(
    '/ops/workflows/:workflowId/replay',
    {
      preHandler: onlyOps,
      schema: {
        tags: ['ops'],
        summary: "Replay a workflow's history against the workflow code the worker runs now",
        description:
          'Answers whether the current code would make the same decisions the recorded run made; when not, the ' +
          'SDK’s message names the event where they part. Changes nothing.',
        params: workflowParams,
        querystring: z.object({ runId: runId.optional().describe('the current run when absent') }),
        response: { 200: replayResponse, ...errors },
      },
    },
    async (request) => {
      const { workflowId } = request.params;
      const handle = temporal.workflow.getHandle(workflowId, request.query.runId);
      const { runId } = await callWorkflow(workflow(workflowId), () => handle.describe());
      const history = await callWorkflow(workflow(workflowId), () =>
        temporal.workflow.getHandle(workflowId, runId).fetchHistory(),
      );
      const result = await replayHistory(history, workflowId, {
        workflowBundle: await workflowBundle(),
        dataConverter,
      });
      request.auditContext.details = { runId, deterministic: result.deterministic };
      return { workflowId, runId, ...result };
    },
  );
};

export default opsRoutes;
