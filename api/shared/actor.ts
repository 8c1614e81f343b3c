import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../workflows/messages';

/** Who sent a request, as workflow messages record it: the token's role and subject. */
export function actorOf(request: FastifyRequest): Actor {
  return { role: request.user.role, id: request.user.sub };
}

/** The coach a coach token speaks for (older tokens carry it only as the subject). */
export function coachIdOf(request: FastifyRequest): string | undefined {
  return request.user.role === 'coach' ? (request.user.coachId ?? request.user.sub) : undefined;
}
