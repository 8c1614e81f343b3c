import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

export function newCoachId(): string {
  const suffix = randomBytes(6)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'X')
    .toUpperCase()
    .slice(0, 6)
    .padEnd(6, 'X');
  return `TSA-COACH-20270101-${suffix}`;
}

export const coachToken = (app: FastifyInstance, coachId: string) =>
  app.signToken({ role: 'coach', sub: coachId, coachId });
export const opsToken = (app: FastifyInstance) => app.signToken({ role: 'ops', sub: 'ops-tester' });
export const auditorToken = (app: FastifyInstance) => app.signToken({ role: 'auditor', sub: 'auditor-tester' });

export interface TimelineClient {
  timelineId: string;
  change(change: Record<string, unknown>, extra?: Record<string, unknown>): Promise<{ statusCode: number; body: any }>;
  undo(token?: string): Promise<{ statusCode: number; body: any }>;
  redo(token?: string): Promise<{ statusCode: number; body: any }>;
  get(path?: string, token?: string): Promise<{ statusCode: number; body: any }>;
}

/** Creates a timeline for a new coach through the API and returns calls on it as that coach. */
export async function createTimeline(
  app: FastifyInstance,
  body: Record<string, unknown> = {},
  coachId = newCoachId(),
): Promise<TimelineClient & { coachId: string; token: string; created: any }> {
  const token = coachToken(app, coachId);
  const res = await app.inject({
    method: 'POST',
    url: `/v1/coaches/${coachId}/timelines`,
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'Riverside Soccer Academy', targetLaunchDate: '2027-08-16', focusAreas: ['facility'], ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json();
  const timelineId: string = created.timelineId;
  const post = async (path: string, payload: unknown, as = token) => {
    const r = await app.inject({
      method: 'POST',
      url: `/v1/timelines/${timelineId}/${path}`,
      headers: { authorization: `Bearer ${as}` },
      payload: payload as Record<string, unknown>,
    });
    return { statusCode: r.statusCode, body: r.json() };
  };
  return {
    coachId,
    token,
    created,
    timelineId,
    change: (change, extra = {}) => post('changes', { change, ...extra }),
    undo: (as) => post('undo', {}, as),
    redo: (as) => post('redo', {}, as),
    get: async (path = '', as = token) => {
      const r = await app.inject({
        method: 'GET',
        url: `/v1/timelines/${timelineId}${path}`,
        headers: { authorization: `Bearer ${as}` },
      });
      return { statusCode: r.statusCode, body: r.json() };
    },
  };
}
