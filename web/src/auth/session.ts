import { useEffect, useState, useSyncExternalStore } from 'react';
import { api, bearer, coachSession, staffToken, type Answer } from '../api/client';
import { endProviderSession, forgetPendingSignIn } from './oidc';

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

// What the pages show about the credentials follows them without a navigation (the header after a sign-out), in this
// tab and in the app's other tabs (the `storage` event).
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((listener) => listener());
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

/** True while this browser holds a coach session, following sign-in and sign-out. */
export const useCoachSignedIn = () => useSyncExternalStore(subscribe, () => coachSession.get() !== null);

/** The staff token this browser holds (null: none), following sign-in and sign-out. */
export const useStaffToken = () => useSyncExternalStore(subscribe, staffToken.get);

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
  signedOut = undefined;
  changed();
}

/** Forgets the staff token alone (a sign-in at the provider the API refused replaces the one before it). */
export function forgetStaffToken(): void {
  staffToken.clear();
  changed();
}

export interface SignedOut {
  /** The provider's own sign-out (RP-initiated logout), where the sign-in came from one that offers it. */
  providerSignOut?: URL;
}

/** The last sign-out in this tab, until the next sign-in or until the sign-in page is asked for again. */
let signedOut: SignedOut | undefined;

/** The sign-out the sign-in page reports (undefined: none since the last sign-in). */
export const useSignedOut = () => useSyncExternalStore(subscribe, () => signedOut);

export function dismissSignedOut(): void {
  signedOut = undefined;
  changed();
}

/**
 * Signs out of the app in this browser: forgets every credential it holds for the app (the coach session, the staff
 * token, the provider's ID token and a sign-in under way) and returns where the provider's own session can be ended.
 * The coach's navigation, the header and the staff sign-in page all sign out here.
 */
export function signOut(locale: string): SignedOut {
  const providerSignOut = endProviderSession(locale);
  coachSession.clear();
  staffToken.clear();
  forgetPendingSignIn();
  signedOut = providerSignOut ? { providerSignOut } : {};
  changed();
  return signedOut;
}
