import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAuditRecords } from '../../db/repositories/audit-log';
import { describeChain, fetchRunChain, personalDataMasker } from '../services/workflow-history';
import {
  callWorkflow,
  cursorCodec,
  cursorQuery,
  errorResponses,
  forbidden,
  invalidParameter,
  nextCursorSchema,
  pageLimit,
  pageOf,
  runId,
  workflowParams,
} from '../shared';

const actorSchema = z.object({ role: z.string(), id: z.string() });
const runSchema = z.object({
  runId: z.string(),
  startedBy: z.enum(['start', 'continued-as-new', 'retry', 'cron', 'reset']),
  previousRunId: z.string().optional(),
  startedAt: z.string().optional(),
  closedAt: z.string().optional(),
  status: z.string(),
  copiedEventsBefore: z.number().int().optional(),
});
const eventSchema = z.object({
  eventId: z.number().int(),
  runId: z.string(),
  time: z.string(),
  type: z.string(),
  summary: z.string(),
  actor: actorSchema.optional(),
  payload: z.unknown().optional(),
});
const historyResponse = z.object({
  workflowId: z.string(),
  revealed: z.boolean(),
  runs: z.array(runSchema),
  events: z.array(eventSchema),
  nextCursor: nextCursorSchema,
});

const auditEntrySchema = z.object({
  id: z.number().int(),
  occurredAt: z.string(),
  actor: z.string(),
  role: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  requestId: z.string(),
  outcome: z.string(),
  details: z.record(z.string(), z.unknown()),
});

const errors = errorResponses;

/** The last event of a page: its run and event id. */
const historyCursor = cursorCodec(z.strictObject({ runId, eventId: z.number().int().positive() }));
/** The id of the last row of a page (the log is listed newest first by id). */
const logCursor = cursorCodec(z.strictObject({ beforeId: z.number().int().positive() }));

const workflow = (workflowId: string) => ({ what: `workflow ${workflowId}` });

/** What auditors (and, without personal data, operators) read: decoded workflow histories and the API's audit log. */
const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.services;

  app.get(
    '/audit/workflows/:workflowId/history',
    {
      preHandler: app.requireRole('auditor', 'ops'),
      schema: {
        tags: ['audit'],
        summary: "A workflow's decoded history across its runs: who did what, when",
        description:
          'Every event of every run (continue-as-new, reset), oldest first, with a one-line summary, the actor a ' +
          'message carried and its decoded payload. Personal data (names, birth dates, contact details, address, ' +
          'demographics) reads "***" unless an auditor asks `reveal=true`; each reveal is written to the audit log.',
        params: workflowParams,
        querystring: z.object({
          reveal: z.enum(['true', 'false']).default('false'),
          reason: z
            .string()
            .trim()
            .min(1)
            .max(500)
            .optional()
            .describe("why the auditor reveals: kept with the reveal's audit row"),
          limit: pageLimit(200, 1000),
          cursor: cursorQuery,
        }),
        response: { 200: historyResponse, ...errors },
      },
    },
    async (request) => {
      const { workflowId } = request.params;
      const reveal = request.query.reveal === 'true';
      if (reveal && request.user.role !== 'auditor') throw forbidden('only an auditor may reveal personal data');

      const chain = await callWorkflow(workflow(workflowId), () => fetchRunChain(temporal, workflowId));
      const all = await describeChain(chain, temporal.options.loadedDataConverter);
      let start = 0;
      if (request.query.cursor) {
        const position = historyCursor.decode(request.query.cursor);
        const at = all.findIndex((e) => e.runId === position.runId && e.eventId === position.eventId);
        if (at < 0) throw invalidParameter('query.cursor', 'does not point into this history');
        start = at + 1;
      }
      const { page, nextCursor } = pageOf(
        all.slice(start, start + request.query.limit + 1),
        request.query.limit,
        historyCursor,
        (e) => ({
          runId: e.runId,
          eventId: e.eventId,
        }),
      );

      if (reveal) {
        // Logged before the data leaves; if the row cannot be written, nothing is revealed.
        await request.audit(db, {
          target: workflowId,
          outcome: 200,
          details: {
            reveal: true,
            events: page.length,
            ...(request.query.reason ? { reason: request.query.reason } : {}),
          },
        });
      }
      return {
        workflowId,
        revealed: reveal,
        runs: chain.map((c) => c.run),
        events: reveal ? page : page.map(personalDataMasker(all)),
        ...(nextCursor ? { nextCursor } : {}),
      };
    },
  );

  app.get(
    '/audit/workflows/:workflowId/history.json',
    {
      preHandler: app.requireRole('auditor', 'ops'),
      schema: {
        tags: ['audit'],
        summary: "One run's raw history in Temporal's JSON form (payloads stay encrypted)",
        description:
          'The `temporal workflow show --output json` shape: `Worker.runReplayHistory(…, historyFromJSON(json))` and ' +
          'Temporal tooling that reads history files accept it. The current run unless `runId` names another.',
        params: workflowParams,
        querystring: z.object({ runId: runId.optional().describe('the current run when absent') }),
        response: {
          200: z
            .looseObject({ events: z.array(z.unknown()) })
            .describe('temporal.api.history.v1.History as proto JSON'),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { workflowId } = request.params;
      const handle = temporal.workflow.getHandle(workflowId, request.query.runId);
      const { runId } = await callWorkflow(workflow(workflowId), () => handle.describe());
      const history = await callWorkflow(workflow(workflowId), () => handle.fetchHistory());
      return reply
        .type('application/json')
        .header('content-disposition', `attachment; filename="${workflowId}_${runId}.json"`)
        .send(JSON.parse(historyToJSON(history)) as { events: unknown[] });
    },
  );

  app.get(
    '/audit/log',
    {
      preHandler: app.requireRole('auditor'),
      schema: {
        tags: ['audit'],
        summary: "The API's audit log: every mutating request, newest first",
        querystring: z.object({
          actor: z.string().max(200).optional(),
          action: z
            .string()
            .max(300)
            .optional()
            .describe('a route pattern, e.g. `PUT /v1/enrollments/:id/steps/:step`'),
          target: z.string().max(200).optional(),
          from: z.iso.datetime({ offset: true }).optional().describe('inclusive'),
          to: z.iso.datetime({ offset: true }).optional().describe('exclusive'),
          limit: pageLimit(50, 500),
          cursor: cursorQuery,
        }),
        response: {
          200: z.object({ entries: z.array(auditEntrySchema), nextCursor: nextCursorSchema }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listAuditRecords(db, {
        actor: q.actor,
        action: q.action,
        target: q.target,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        beforeId: q.cursor ? logCursor.decode(q.cursor).beforeId : undefined,
        limit: q.limit,
      });
      return {
        entries: page.entries.map((row) => ({
          id: row.id,
          occurredAt: row.occurred_at.toISOString(),
          actor: row.actor,
          role: row.role,
          action: row.action,
          target: row.target,
          requestId: row.request_id,
          outcome: row.outcome,
          details: row.details,
        })),
        ...(page.nextBeforeId !== undefined ? { nextCursor: logCursor.encode({ beforeId: page.nextBeforeId }) } : {}),
      };
    },
  );
};

export default auditRoutes;
