import createClient from 'openapi-fetch';
import type { paths } from './schema';

/** The API, typed from its own OpenAPI document (`npm run web:api` regenerates `schema.d.ts`). */
export const api = createClient<paths>({ baseUrl: '' });

// The API words its field errors in the page's language (`/es/…` → Spanish); the path is the page's, so the first
// request of a page already has it.
api.use({
  onRequest: ({ request }) => {
    request.headers.set('accept-language', window.location.pathname.split('/')[1] === 'es' ? 'es' : 'en');
    return request;
  },
});

export type ApiError = { error: string; message: string; issues?: { path: string; message: string }[] };
/** The 200 answer of a route, as the API's OpenAPI document describes it. */
export type Answer<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;
export type Progress = Answer<'/v1/enrollments/{id}', 'get'>;

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

const STAFF_TOKEN_KEY = 'tsa.staff.token';

/** A staff member's token (pasted from `npm run token`, or from the identity provider), kept in this browser. */
export const staffToken = {
  get: () => localStorage.getItem(STAFF_TOKEN_KEY),
  set: (token: string) => localStorage.setItem(STAFF_TOKEN_KEY, token),
  clear: () => localStorage.removeItem(STAFF_TOKEN_KEY),
};

const COACH_SESSION_KEY = 'tsa.coach.session';

/** A coach's own token and id (from signing up, or pasted in), kept in this browser; the coach's pages read it. */
export interface CoachSession {
  coachId: string;
  token: string;
}

export const coachSession = {
  get(): CoachSession | null {
    const raw = localStorage.getItem(COACH_SESSION_KEY);
    if (!raw) return null;
    try {
      const value = JSON.parse(raw) as Partial<CoachSession>;
      return typeof value.coachId === 'string' && typeof value.token === 'string'
        ? { coachId: value.coachId, token: value.token }
        : null;
    } catch {
      return null;
    }
  },
  set: (session: CoachSession) => localStorage.setItem(COACH_SESSION_KEY, JSON.stringify(session)),
  clear: () => localStorage.removeItem(COACH_SESSION_KEY),
};
