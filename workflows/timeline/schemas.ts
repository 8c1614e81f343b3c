/** Shapes of what callers send a timeline: the API validates with them, and so does the workflow's update validator. */
import { z } from 'zod';
import { COACH_ID_PATTERN, DEFAULT_TIMELINE_TEMPLATE, TIMELINE_ID_PATTERN } from './messages';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      message: 'is not a calendar date',
    },
  );
const stepId = z.string().min(1).max(100);
const text = (max: number) => z.string().trim().min(1).max(max);
const list = z.array(z.string().trim().min(1).max(500)).max(50);
const customValue = z.union([z.string().max(200), z.number().finite(), z.boolean()]);

export const stepFieldsSchema = z.strictObject({
  name: text(200).optional(),
  description: z.string().max(4000).nullable().optional(),
  category: text(50).optional(),
  priority: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  plannedStart: isoDate.nullable().optional(),
  dueDate: isoDate.nullable().optional(),
  durationDays: z.number().int().min(0).max(1000).optional(),
  nextActions: list.optional(),
  notes: z.string().max(4000).nullable().optional(),
  resources: list.optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
  assignee: z.string().trim().min(1).max(200).nullable().optional(),
});

const placement = { after: stepId.optional(), before: stepId.optional() };

export const timelineChangeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('add'), step: stepFieldsSchema.extend({ name: text(200) }), ...placement }),
  z.strictObject({ type: z.literal('remove'), stepId }),
  z.strictObject({ type: z.literal('move'), stepId, ...placement, position: z.enum(['start', 'end']).optional() }),
  z.strictObject({ type: z.literal('modify'), stepId, fields: stepFieldsSchema }),
  z.strictObject({
    type: z.literal('setStatus'),
    stepId,
    status: z.enum(['not_started', 'in_progress', 'blocked', 'completed', 'skipped']),
  }),
  z.strictObject({
    type: z.literal('addDependency'),
    stepId,
    dependsOn: stepId,
    kind: z.enum(['hard', 'soft', 'conditional']),
    relation: z.enum(['FS', 'SS', 'FF']).optional(),
    lagDays: z.number().int().min(-250).max(250).optional(),
    condition: z.strictObject({ field: text(100), equals: customValue }).optional(),
  }),
  z.strictObject({ type: z.literal('removeDependency'), stepId, dependsOn: stepId }),
  z.strictObject({
    type: z.literal('setCustomFields'),
    fields: z.record(
      z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, 'field names are lower_snake_case'),
      customValue.nullable(),
    ),
  }),
]);

export const changeBodySchema = z.strictObject({
  change: timelineChangeSchema,
  expectedSequence: z.number().int().min(0).optional(),
  reason: z.string().trim().min(1).max(500).optional(),
});

export const revertBodySchema = z.strictObject({
  expectedSequence: z.number().int().min(0).optional(),
  reason: z.string().trim().min(1).max(500).optional(),
});

export const actorSchema = z.strictObject({
  actorId: z.string().min(1).max(200),
  triggeredBy: z.enum(['coach', 'mentor', 'system']),
});

export const createTimelineBodySchema = z.strictObject({
  templateId: z.string().min(1).max(100).default(DEFAULT_TIMELINE_TEMPLATE),
  name: text(200),
  targetLaunchDate: isoDate,
  focusAreas: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
  customizationLevel: z.enum(['minimal', 'moderate', 'extensive']).default('moderate'),
});

export const timelineInputSchema = createTimelineBodySchema.extend({
  timelineId: z.string().regex(TIMELINE_ID_PATTERN, 'must be a timeline id like TSA-TL-20260101-ABC123'),
  coachId: z.string().regex(COACH_ID_PATTERN, 'must be a coach id like TSA-COACH-20260101-ABC123'),
});
