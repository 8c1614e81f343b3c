/**
 * The coach's pages as data: the onboarding steps' fields, how typed-in values become the API's step payloads, which
 * step the wizard may show, how the background check reads, and what a pasted coach token names. Pure functions,
 * unit-tested without a browser.
 */
import { buildPayload, GRADES, SPORTS, type FieldSpec, type FormValues } from './form-state';

/** The parts of `GET /v1/coaches/:id/onboarding` these functions read. */
export interface CoachProgressView {
  status: 'in_progress' | 'completed' | 'failed' | 'expired';
  currentStep: number;
  steps: { step: number; status: 'pending' | 'completed' | 'awaiting_result' | 'failed' }[];
  backgroundCheck: { status: BackgroundCheckStatus; result?: 'clear' | 'consider' };
  quiz: { attempts: number; passed: boolean; bestScore?: number; nextAttemptAt?: string };
  schoolId?: number;
  timelineId?: string;
}

export type BackgroundCheckStatus =
  'not_started' | 'pending' | 'suspended' | 'needs_review' | 'passed' | 'failed' | 'expired';

export const COACH_STEPS = [1, 2, 3, 4, 5] as const;
export type CoachStep = (typeof COACH_STEPS)[number];
/** The wizard's last page, after step 5: the school and the links on. */
export const DONE = 6;

export const SIGN_UP_FIELDS: FieldSpec[] = [
  { path: 'firstName', kind: 'text', autoComplete: 'given-name' },
  { path: 'lastName', kind: 'text', autoComplete: 'family-name' },
  { path: 'email', kind: 'email', autoComplete: 'email' },
  { path: 'phone', kind: 'tel', autoComplete: 'tel' },
];

/** The fields of the steps that are forms (step 4, the quiz, is drawn per attempt). */
export const COACH_STEP_FIELDS: Record<1 | 2 | 3 | 5, FieldSpec[]> = {
  1: [
    { path: 'sportSpecialties', kind: 'checkboxes', options: SPORTS },
    { path: 'locationPreferences', kind: 'text', autoComplete: 'address-level2' },
    { path: 'capacity', kind: 'text' },
    { path: 'bio', kind: 'text', optional: true },
  ],
  2: [
    { path: 'llcName', kind: 'text', autoComplete: 'organization' },
    { path: 'ein', kind: 'text' },
    { path: 'insuranceProvider', kind: 'text' },
    { path: 'policyNumber', kind: 'text' },
    { path: 'insuranceExpiry', kind: 'date' },
  ],
  3: [
    { path: 'legalFirstName', kind: 'text', autoComplete: 'given-name' },
    { path: 'legalLastName', kind: 'text', autoComplete: 'family-name' },
    { path: 'birthDate', kind: 'date', autoComplete: 'bday' },
    { path: 'ssnLast4', kind: 'text' },
    { path: 'consent', kind: 'yesno' },
  ],
  5: [
    { path: 'schoolName', kind: 'text' },
    { path: 'address.line1', kind: 'text', autoComplete: 'address-line1' },
    { path: 'address.city', kind: 'text', autoComplete: 'address-level2' },
    { path: 'address.state', kind: 'text', autoComplete: 'address-level1' },
    { path: 'address.postalCode', kind: 'text', autoComplete: 'postal-code' },
    { path: 'gradesServed', kind: 'checkboxes', options: GRADES },
    { path: 'sports', kind: 'checkboxes', options: SPORTS },
    { path: 'targetLaunchDate', kind: 'date', optional: true },
  ],
};

/** A whole number as typed becomes a number; anything else is sent as typed, for the API to name. */
const wholeNumber = (value: unknown) =>
  typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : value;

/**
 * The payload of a step: as the parent's form builds it, with the coach's own conversions: several locations in one
 * field separated by `;`, the capacity as a number.
 */
export function coachStepPayload(step: 1 | 2 | 3 | 5, values: FormValues): Record<string, unknown> {
  const payload = buildPayload(COACH_STEP_FIELDS[step], values);
  if (step === 1) {
    const locations = String(payload.locationPreferences ?? '');
    payload.locationPreferences = locations
      .split(';')
      .map((l) => l.trim())
      .filter(Boolean);
    payload.capacity = wholeNumber(payload.capacity);
  }
  return payload;
}

/** The invitation form's payload: numbers as numbers, an unchosen sport left out. */
export function invitationPayload(values: FormValues): Record<string, unknown> {
  const sport = String(values.sport ?? '');
  return {
    parentEmail: String(values.parentEmail ?? ''),
    schoolId: wholeNumber(String(values.schoolId ?? '')),
    ...(sport ? { sport } : {}),
    expiresInDays: wholeNumber(String(values.expiresInDays ?? '14')),
  };
}

const checkStarted = (p: CoachProgressView) => p.backgroundCheck.status !== 'not_started';

/** The furthest step the coach may open: the first step not yet done (the API's `currentStep`), all once completed. */
export function furthestStep(progress: CoachProgressView): number {
  return progress.status === 'completed' ? DONE : progress.currentStep;
}

/**
 * The step to show for a requested one (`?step=N`): a step up to the furthest, never beyond. Without one the wizard
 * resumes where the coach is: the first open step, or the background check while the school waits on it.
 */
export function stepToShow(requested: number | undefined, progress: CoachProgressView): number {
  const furthest = furthestStep(progress);
  if (requested !== undefined && Number.isInteger(requested) && requested >= 1) return Math.min(requested, furthest);
  if (furthest === 5 && progress.backgroundCheck.status !== 'passed') return 3;
  return furthest;
}

/** Steps 1 and 2 can be corrected until the background check starts; step 3 only before it is requested. */
export function stepLocked(step: number, progress: CoachProgressView): boolean {
  if (step <= 3) return checkStarted(progress);
  if (step === 4) return progress.quiz.passed;
  return progress.schoolId !== undefined;
}

/** What the background check reads as, for its label: `clear` and `passed_review` are both a pass. */
export type CheckView =
  'not_started' | 'pending' | 'suspended' | 'needs_review' | 'clear' | 'passed_review' | 'failed' | 'expired';

export function checkView(check: CoachProgressView['backgroundCheck']): CheckView {
  if (check.status === 'passed') return check.result === 'consider' ? 'passed_review' : 'clear';
  return check.status;
}

/**
 * Whether the page should follow the onboarding by itself: while the provider (or ops) has the background check, and
 * between the school's submission and the completed onboarding.
 */
export function waitingOnOthers(progress: CoachProgressView): boolean {
  if (progress.status !== 'in_progress') return false;
  const check = progress.backgroundCheck.status;
  return check === 'pending' || check === 'suspended' || check === 'needs_review' || progress.schoolId !== undefined;
}

/** The wait before poll number `n` (from 0): `first`, doubling each time, never more than `max`. */
export const backoffDelay = (n: number, first: number, max: number): number => Math.min(max, first * 2 ** n);

/** What `startPolling` needs of `document`: whether the page is hidden, and word when that changes. */
export interface Visibility {
  readonly hidden: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/**
 * Calls `poll` again and again while something is awaited, backing off (1.5 s doubling to 60 s by default) so a check
 * that takes hours costs a few requests an hour. Nothing is asked while the page is hidden; shown again, it asks at
 * once and starts over at the first delay. A failed poll only waits for the next one. Returns the function that stops.
 */
export function startPolling(
  poll: () => Promise<unknown>,
  { first = 1_500, max = 60_000, visibility }: { first?: number; max?: number; visibility?: Visibility } = {},
): () => void {
  let n = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling = false;
  let stopped = false;
  const schedule = () => {
    if (stopped || polling || visibility?.hidden) return;
    timer = setTimeout(() => void tick(), backoffDelay(n++, first, max));
  };
  const tick = async () => {
    timer = undefined;
    polling = true;
    try {
      await poll();
    } catch {
      // The next poll may succeed; the page says so itself where it matters.
    }
    polling = false;
    schedule();
  };
  const onVisibilityChange = () => {
    clearTimeout(timer);
    timer = undefined;
    n = 0;
    if (!visibility?.hidden && !polling && !stopped) void tick();
  };
  visibility?.addEventListener('visibilitychange', onVisibilityChange);
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
    visibility?.removeEventListener('visibilitychange', onVisibilityChange);
  };
}

/**
 * Asks `done` after each delay in turn until it answers true (then true) or the delays run out, or `signal` aborts
 * (then false). For following one change to its end: a few quick looks, not a poll that runs for ever.
 */
export async function pollUntil(
  done: () => Promise<boolean>,
  delays: readonly number[],
  {
    signal,
    sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  }: {
    signal?: AbortSignal;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<boolean> {
  for (const delay of delays) {
    await sleep(delay);
    if (signal?.aborted) return false;
    if (await done().catch(() => false)) return true;
  }
  return false;
}

/** The school step opens with the quiz passed and the check passed. */
export const schoolOpen = (progress: CoachProgressView) =>
  progress.quiz.passed && progress.backgroundCheck.status === 'passed';

/** The longest delay a browser timer takes (about 24.8 days; the quiz's window is a day). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long until an ISO time (`nextAttemptAt`), a second after it to be sure it has passed; never negative. */
export function delayUntil(iso: string, now: number): number {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 0;
  return Math.min(MAX_TIMER_MS, Math.max(0, at - now + 1_000));
}

export interface QuizQuestion {
  questionId: string;
  text: string;
  choices: { choiceId: string; text: string }[];
}

/** A quiz attempt started and not yet submitted, with the answers chosen so far (question id → choice id). */
export interface OpenQuizAttempt {
  attemptId: string;
  questions: QuizQuestion[];
  answers: Record<string, string>;
}

const isQuestion = (q: unknown): q is QuizQuestion => {
  const question = q as Partial<QuizQuestion> | null;
  return (
    typeof question?.questionId === 'string' &&
    typeof question.text === 'string' &&
    Array.isArray(question.choices) &&
    question.choices.every((c) => typeof c?.choiceId === 'string' && typeof c.text === 'string')
  );
};

/**
 * The open attempt of each coach in this tab (`sessionStorage`): every attempt counts toward three in 24 hours, so a
 * reload must bring back the same questions and answers rather than cost a new one. Dropped once submitted.
 */
export function openQuizAttempts(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) {
  const key = (coachId: string) => `tsa.coach.quiz-attempt.${coachId}`;
  return {
    get(coachId: string): OpenQuizAttempt | undefined {
      try {
        const value = JSON.parse(storage.getItem(key(coachId)) ?? 'null') as Partial<OpenQuizAttempt> | null;
        if (typeof value?.attemptId !== 'string' || !Array.isArray(value.questions)) return undefined;
        if (!value.questions.every(isQuestion)) return undefined;
        const answers = Object.fromEntries(
          Object.entries(value.answers ?? {}).filter(([, choice]) => typeof choice === 'string'),
        ) as Record<string, string>;
        return { attemptId: value.attemptId, questions: value.questions, answers };
      } catch {
        return undefined;
      }
    },
    set: (coachId: string, attempt: OpenQuizAttempt) => storage.setItem(key(coachId), JSON.stringify(attempt)),
    clear: (coachId: string) => storage.removeItem(key(coachId)),
  };
}

/** The questions of an attempt not answered yet, in order. */
export function unanswered(questionIds: readonly string[], answers: Readonly<Record<string, string>>): string[] {
  return questionIds.filter((id) => !answers[id]);
}

/**
 * The coach a pasted token speaks for, read from its claims without verifying them (the API verifies every
 * request): a coach token names itself as `coachId` (older ones only as `sub`). Undefined for anything else.
 */
export function coachIdFromToken(token: string): string | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(atob(parts[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    if (claims.role !== 'coach') return undefined;
    const id = typeof claims.coachId === 'string' ? claims.coachId : claims.sub;
    return typeof id === 'string' && /^TSA-COACH-\d{8}-[A-Z0-9]{6}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export type InvitationStatus = 'pending' | 'redeemed' | 'expired' | 'revoked';
export const INVITATION_STATUSES: readonly InvitationStatus[] = ['pending', 'redeemed', 'expired', 'revoked'];

/** How many invitations each status has, every status named (zero included). */
export function countByStatus(invitations: readonly { status: InvitationStatus }[]): Record<InvitationStatus, number> {
  const counts = { pending: 0, redeemed: 0, expired: 0, revoked: 0 };
  for (const i of invitations) counts[i.status] += 1;
  return counts;
}

/** The parent's link for an invitation token, on this site and in the page's language. */
export const invitationLink = (origin: string, locale: string, invitationToken: string) =>
  `${origin}/${locale}/join/${invitationToken}`;
