import { useEffect, useState } from 'react';
import { api, bearer, coachSession, staffToken, type Answer } from '../api/client';

/** Who a token is, as the API reads it (its role, wherever the provider puts it, and its subject). */
export type Session = Answer<'/v1/web/session', 'get'>;

/** The API's answer about a token: the session, or the status it refused it with (401: not accepted). */
export type Who = { session: Session } | { session?: undefined; status: number };

/** Asks the API who a token is: only the API reads the role (a provider's may be nested, e.g. `realm_access.roles`). */
export async function whoIs(token: string): Promise<Who> {
  const { data, response } = await api.GET('/v1/web/session', bearer(token));
  return data ? { session: data } : { status: response.status };
}

/** `whoIs` for a page: undefined until the API answered (and without a token). */
export function useWho(token: string | null): Who | undefined {
  const [answer, setAnswer] = useState<{ token: string; who: Who }>();
  useEffect(() => {
    if (!token) return;
    let current = true;
    void whoIs(token)
      .catch((): Who => ({ status: 0 }))
      .then((who) => current && setAnswer({ token, who }));
    return () => {
      current = false;
    };
  }, [token]);
  return answer && answer.token === token ? answer.who : undefined;
}

/**
 * Keeps a token the API accepted where the pages read it: a coach's as the coach session (the coach's pages), any
 * other as the staff token.
 */
export function keepSignIn(token: string, session: Session): void {
  if (session.role === 'coach') {
    staffToken.clear();
    coachSession.set({ coachId: session.sub, token });
  } else {
    staffToken.set(token);
  }
}
