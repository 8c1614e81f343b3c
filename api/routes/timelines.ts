import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findTemplate, findTimeline, listEvents } from '../../db/repositories/timelines';
import type { Actor } from '../../domain/timeline';
import {
  analyticsQuery,
  COACH_ID_PATTERN,
  changeUpdate,
  redoUpdate,
  TIMELINE_ID_PATTERN,
  TimelineFailureTypes,
  timelineQuery,
  timelineWorkflowId,
  undoUpdate,
  whenStoredUpdate,
  type ChangeResult,
  type RefusalDetails,
  type TimelineWorkflowInput,
} from '../../workflows/timeline/messages';
import { changeBodySchema, createTimelineBodySchema, revertBodySchema } from '../../workflows/timeline/schemas';
import type { coachTimelineWorkflow } from '../../workflows/timeline/workflow';
import { errorSchema, forbidden, HttpError, notFound } from '../errors';
import { randomCode } from '../services/invitations';

const timelineParams = z.object({
  id: z.string().regex(TIMELINE_ID_PATTERN, 'must be a timeline id like TSA-TL-20260101-ABC123'),
});
const coachParams = z.object({
  id: z.string().regex(COACH_ID_PATTERN, 'must be a coach id like TSA-COACH-20260101-ABC123'),
});

const customValue = z.union([z.string(), z.number(), z.boolean()]);
const dependencySchema = z.object({
  dependsOn: z.string(),
  kind: z.enum(['hard', 'soft', 'conditional']),
  relation: z.enum(['FS', 'SS', 'FF']),
  lagDays: z.number().int(),
  condition: z.object({ field: z.string(), equals: customValue }).optional(),
});
const blockerSchema = z.object({
  dependsOn: z.string(),
  kind: z.enum(['hard', 'soft']),
  relation: z.enum(['FS', 'SS', 'FF']),
  message: z.string(),
});
const stepSchema = z.object({
  stepId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  category: z.string(),
  priority: z.enum(['low', 'medium', 'high', 'critical']),
  status: z.enum(['not_started', 'in_progress', 'blocked', 'completed', 'skipped']),
  orderIndex: z.number().int(),
  orderKey: z.string(),
  plannedStart: z.string().nullable(),
  dueDate: z.string().nullable(),
  durationDays: z.number().int(),
  nextActions: z.array(z.string()),
  notes: z.string().nullable(),
  resources: z.array(z.string()),
  tags: z.array(z.string()),
  assignee: z.string().nullable(),
  dependencies: z.array(dependencySchema),
  blockers: z.array(blockerSchema),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});
export const timelineSchema = z.object({
  timelineId: z.string(),
  coachId: z.string(),
  templateId: z.string(),
  name: z.string(),
  targetLaunchDate: z.string(),
  focusAreas: z.array(z.string()),
  customizationLevel: z.enum(['minimal', 'moderate', 'extensive']),
  sequence: z.number().int(),
  customFields: z.record(z.string(), customValue),
  steps: z.array(stepSchema),
});
const eventSchema = z.object({
  sequence: z.number().int(),
  type: z.enum([
    'create',
    'add',
    'remove',
    'move',
    'modify',
    'setStatus',
    'addDependency',
    'removeDependency',
    'setCustomFields',
  ]),
  stepId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  reason: z.string().nullable(),
  triggeredBy: z.enum(['coach', 'mentor', 'system']),
  actorId: z.string(),
  origin: z.enum(['change', 'undo', 'redo']),
  revertsSequence: z.number().int().nullable(),
  occurredAt: z.string(),
});
const changeResultSchema = z.object({
  timeline: timelineSchema,
  event: eventSchema,
  warnings: z.array(z.string()).optional(),
});
const scheduleSchema = z.object({
  stepId: z.string(),
  earliestStart: z.string(),
  earliestFinish: z.string(),
  latestStart: z.string(),
  latestFinish: z.string(),
  slackDays: z.number().int(),
  critical: z.boolean(),
});
const analyticsSchema = z.object({
  timelineId: z.string(),
  sequence: z.number().int(),
  asOf: z.string(),
  totalSteps: z.number().int(),
  completedSteps: z.number().int(),
  completionPercent: z.number(),
  overdueSteps: z.array(
    z.object({ stepId: z.string(), name: z.string(), dueDate: z.string(), workingDaysOverdue: z.number().int() }),
  ),
  blockedSteps: z.array(
    z.object({ stepId: z.string(), name: z.string(), status: z.string(), blockers: z.array(blockerSchema) }),
  ),
  targetLaunchDate: z.string(),
  projectedLaunchDate: z.string(),
  workingDaysAheadOfTarget: z.number().int(),
  criticalPath: z.array(z.string()),
  schedule: z.array(scheduleSchema),
});

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const idempotencyHeaders = z.object({ 'idempotency-key': z.string().min(8).max(200).optional() });

export function newTimelineId(now = new Date()): string {
  return `TSA-TL-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomCode(6)}`;
}

/** Coaches change their own timelines; ops staff act as mentors. */
function actorOf(request: FastifyRequest): Actor {
  const claims = request.user;
  return claims.role === 'coach'
    ? { actorId: claims.coachId ?? claims.sub, triggeredBy: 'coach' }
    : { actorId: claims.sub, triggeredBy: 'mentor' };
}

function coachOf(request: FastifyRequest): string | undefined {
  return request.user.role === 'coach' ? (request.user.coachId ?? request.user.sub) : undefined;
}

/** A refusal from the workflow as the caller should see it; a timeline that does not exist as 404. */
function toHttpError(err: unknown, timelineId: string): never {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    if (failure.type === TimelineFailureTypes.refused) {
      const details = failure.details?.[0] as RefusalDetails | undefined;
      const status = details?.status ?? 400;
      const issues =
        details?.issues ?? (details?.path ? [{ path: details.path, message: failure.message }] : undefined);
      throw new HttpError(status, details?.code ?? 'invalid_change', failure.message, issues);
    }
  }
  if (err instanceof WorkflowNotFoundError) throw notFound(`timeline ${timelineId} not found`);
  throw err;
}

const timelineRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.services;
  const handle = (id: string): WorkflowHandle<typeof coachTimelineWorkflow> =>
    temporal.workflow.getHandle(timelineWorkflowId(id));

  /** The coach of the timeline, ops and auditors (the routes' roles decide who may write). */
  async function authorize(request: FastifyRequest, timelineId: string): Promise<void> {
    const row = await findTimeline(db, timelineId);
    if (!row) throw notFound(`timeline ${timelineId} not found`);
    const coachId = coachOf(request);
    if (coachId !== undefined && row.coach_id !== coachId) throw forbidden('this timeline belongs to another coach');
  }

  app.post(
    '/coaches/:id/timelines',
    {
      preHandler: app.requireRole('coach', 'ops'),
      schema: {
        tags: ['timelines'],
        summary: "Create a launch timeline for the coach from a template (default 'default_microschool_v1')",
        params: coachParams,
        body: createTimelineBodySchema,
        response: { 201: z.object({ timelineId: z.string(), timeline: timelineSchema }), ...errors },
      },
    },
    async (request, reply) => {
      const coachId = request.params.id;
      const own = coachOf(request);
      if (own !== undefined && own !== coachId) throw forbidden('a coach creates timelines for itself');
      if (!(await findTemplate(db, request.body.templateId))) {
        throw new HttpError(400, 'invalid_request', `unknown template ${request.body.templateId}`, [
          { path: 'templateId', message: 'is not a known template' },
        ]);
      }
      const timelineId = newTimelineId();
      const input: TimelineWorkflowInput = { timelineId, coachId, ...request.body };
      try {
        await temporal.workflow.start<typeof coachTimelineWorkflow>('coachTimelineWorkflow', {
          workflowId: timelineWorkflowId(timelineId),
          taskQueue: app.services.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          ...(app.services.eagerWorkflowStart ? { requestEagerStart: true } : {}),
        });
      } catch (err) {
        // A fresh random id that is taken is a collision, not a repeat: nothing was started.
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, 'conflict', 'try again');
        throw err;
      }
      request.auditContext = { target: timelineId };
      const timeline = await handle(timelineId).executeUpdate(whenStoredUpdate);
      return reply.status(201).send({ timelineId, timeline });
    },
  );

  app.get(
    '/timelines/:id',
    {
      preHandler: app.requireRole('coach', 'ops', 'auditor'),
      schema: {
        tags: ['timelines'],
        summary: 'The timeline: steps in order with status, dates, dependencies and what blocks them',
        params: timelineParams,
        response: { 200: timelineSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await authorize(request, id);
      return handle(id)
        .query(timelineQuery, new Date().toISOString())
        .catch((err) => toHttpError(err, id));
    },
  );

  app.get(
    '/timelines/:id/analytics',
    {
      preHandler: app.requireRole('coach', 'ops', 'auditor'),
      schema: {
        tags: ['timelines'],
        summary: 'Completion, overdue and blocked steps, projected launch against the target, critical path, slack',
        params: timelineParams,
        response: { 200: analyticsSchema, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await authorize(request, id);
      return handle(id)
        .query(analyticsQuery, new Date().toISOString())
        .catch((err) => toHttpError(err, id));
    },
  );

  app.get(
    '/timelines/:id/events',
    {
      preHandler: app.requireRole('coach', 'ops', 'auditor'),
      schema: {
        tags: ['timelines'],
        summary: 'The change log, oldest first; page with `after` (the last sequence seen)',
        params: timelineParams,
        querystring: z.strictObject({
          stepId: z.string().min(1).max(100).optional(),
          type: eventSchema.shape.type.optional(),
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: {
          200: z.object({ events: z.array(eventSchema), nextAfter: z.number().int().optional() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      await authorize(request, id);
      const { stepId, type, after, limit } = request.query;
      const events = await listEvents(db, id, { stepId, type, afterSequence: after, limit: limit + 1 });
      const page = events.slice(0, limit);
      const last = page[page.length - 1];
      return { events: page, ...(events.length > limit && last ? { nextAfter: last.sequence } : {}) };
    },
  );

  const writeRoute = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    send: (
      h: WorkflowHandle<typeof coachTimelineWorkflow>,
      body: z.infer<B>,
      actor: Actor,
      updateId?: string,
    ) => Promise<ChangeResult>,
  ) =>
    app.post(
      `/timelines/:id/${path}`,
      {
        preHandler: app.requireRole('coach', 'ops'),
        schema: {
          tags: ['timelines'],
          summary,
          description:
            'Send `expectedSequence` (the timeline `sequence` you last saw) to be refused with 409 if someone changed it since. An `Idempotency-Key` header makes a retried request count once.',
          params: timelineParams,
          headers: idempotencyHeaders,
          body,
          response: { 200: changeResultSchema, ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        await authorize(request, id);
        const key = request.headers['idempotency-key'];
        return send(handle(id), request.body as z.infer<B>, actorOf(request), key ? `${id}:${key}` : undefined).catch(
          (err) => toHttpError(err, id),
        );
      },
    );

  writeRoute(
    'changes',
    'Change the timeline: add, remove, move, modify, setStatus, addDependency, removeDependency, setCustomFields',
    changeBodySchema,
    (h, body, actor, updateId) =>
      h.executeUpdate(changeUpdate, { args: [{ ...body, actor }], ...(updateId ? { updateId } : {}) }),
  );
  writeRoute(
    'undo',
    "Undo the caller's last change (recorded as its inverse)",
    revertBodySchema.default({}),
    (h, body, actor, updateId) =>
      h.executeUpdate(undoUpdate, { args: [{ ...body, actor }], ...(updateId ? { updateId } : {}) }),
  );
  writeRoute('redo', "Redo the caller's last undone change", revertBodySchema.default({}), (h, body, actor, updateId) =>
    h.executeUpdate(redoUpdate, { args: [{ ...body, actor }], ...(updateId ? { updateId } : {}) }),
  );
};

export default timelineRoutes;
