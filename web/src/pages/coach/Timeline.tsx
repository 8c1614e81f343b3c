import {
  closestCenter,
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type Modifier,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, bearer, coachSession, staffToken } from '../../api/client';
import { useWho } from '../../auth/session';
import { useI18n, type MessageKey, type Translate } from '../../i18n';
import { en as boardText } from '../../messages/board';
import {
  boardRows,
  changeRequest,
  formatDate,
  isStale,
  moveBy,
  moveForDrop,
  orderAfterMove,
  type Analytics,
  type ApiRefusal,
  type Change,
  type ChangeResult,
  type ControlError,
  type Timeline,
} from '../../timeline-board';
import { TimelineAnalytics } from './TimelineAnalytics';
import { TimelineStepCard, type StepActions } from './TimelineStep';
import { CoachNav } from './CoachShell';

/** Where a signed-out visitor signs in: the coach's own page, or the staff one for ops. */
const COACH_SIGN_IN = 'coach/sign-in';

/** A refusal as the board shows it: what kind of refusal, in the reader's language, then the API's own words. */
export function refusalText(t: Translate, refusal: ApiRefusal): string {
  const key = `board.refusal.${refusal.error}`;
  return key in boardText ? `${t(key as MessageKey)} ${refusal.message}` : refusal.message;
}

type Sent = { data?: ChangeResult; error?: unknown };

/** Dragging moves a step up or down the list only. */
const verticalOnly: Modifier = ({ transform }) => ({ ...transform, x: 0 });

function Board({ timelineId, token, readOnly }: { timelineId: string; token: string; readOnly: boolean }) {
  const { locale, t } = useI18n();
  const [timeline, setTimeline] = useState<Timeline>();
  const [analytics, setAnalytics] = useState<Analytics>();
  const [loadError, setLoadError] = useState<{ status: number; message: string }>();
  const [pendingOrder, setPendingOrder] = useState<string[]>();
  const [warnings, setWarnings] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<ControlError>();
  const [announcement, setAnnouncement] = useState('');
  const [busy, setBusy] = useState(false);
  const [focusTarget, setFocusTarget] = useState<string>();
  const busyRef = useRef(false);
  const auth = useMemo(() => bearer(token), [token]);
  const path = useMemo(() => ({ path: { id: timelineId } }), [timelineId]);

  const loadAnalytics = useCallback(async () => {
    const { data } = await api.GET('/v1/timelines/{id}/analytics', { params: path, ...auth });
    if (data) setAnalytics(data);
  }, [auth, path]);

  const load = useCallback(async () => {
    const [answer] = await Promise.all([api.GET('/v1/timelines/{id}', { params: path, ...auth }), loadAnalytics()]);
    if (answer.data) {
      setTimeline(answer.data);
      setLoadError(undefined);
    } else {
      setLoadError({
        status: answer.response.status,
        message: (answer.error as ApiRefusal | undefined)?.message ?? '',
      });
    }
  }, [auth, path, loadAnalytics]);

  useEffect(() => {
    void load();
  }, [load]);

  // A moved card keeps the keyboard focus on the control used, once the list is in its new order (reordering the
  // list moves elements, which drops their focus).
  useEffect(() => {
    if (!focusTarget) return;
    document.getElementById(focusTarget)?.focus();
    setFocusTarget(undefined);
  }, [focusTarget, timeline]);

  /**
   * Sends one write (a change, an undo, a redo) at a time. The answer's timeline replaces the board's, its warnings
   * go to the step concerned, the analytics are read again; a refusal goes to the control that asked, and a stale
   * sequence reloads the board first. Returns the refusal, for a form to place its field issues.
   */
  const write = useCallback(
    async (
      control: string,
      send: (sequence: number) => Promise<Sent>,
      done: (result: ChangeResult) => string,
    ): Promise<ApiRefusal | undefined> => {
      if (busyRef.current || !timeline) return undefined;
      busyRef.current = true;
      setBusy(true);
      setError(undefined);
      try {
        // A request that never got an answer (the network) is a refusal too, shown at its control.
        const { data, error: failure } = await send(timeline.sequence).catch((err: unknown): Sent => ({
          error: { error: 'network', message: String(err) },
        }));
        if (data) {
          setTimeline(data.timeline);
          const stepId = data.event.stepId;
          setWarnings(data.warnings?.length && stepId ? { [stepId]: data.warnings } : {});
          setAnnouncement(done(data));
          void loadAnalytics();
          return undefined;
        }
        const refusal = (failure as ApiRefusal | undefined) ?? { error: 'unknown', message: 'no answer' };
        if (isStale(refusal)) await load();
        setError({ control, refusal, message: isStale(refusal) ? t('board.stale') : refusalText(t, refusal) });
        return refusal;
      } finally {
        busyRef.current = false;
        setBusy(false);
        setPendingOrder(undefined);
      }
    },
    [timeline, load, loadAnalytics, t],
  );

  const nameOf = useCallback(
    (stepId: string | null | undefined, steps = timeline?.steps) =>
      steps?.find((s) => s.stepId === stepId)?.name ?? stepId ?? '',
    [timeline],
  );

  const change = useCallback(
    (control: string, body: Change, done: (result: ChangeResult) => string) =>
      write(
        control,
        (sequence) =>
          api.POST('/v1/timelines/{id}/changes', {
            params: path,
            body: changeRequest({ sequence }, body),
            ...auth,
          }),
        done,
      ),
    [write, path, auth],
  );

  const order = useMemo(() => timeline?.steps.map((s) => s.stepId) ?? [], [timeline]);
  const rows = useMemo(
    () => (timeline ? boardRows(timeline, analytics, warnings, pendingOrder) : []),
    [timeline, analytics, warnings, pendingOrder],
  );

  const move = useCallback(
    async (control: string, body: ReturnType<typeof moveBy>, focusAfter?: string) => {
      if (!body || busyRef.current) return;
      setPendingOrder(orderAfterMove(order, body));
      await change(control, body, (result) => {
        const position = result.timeline.steps.findIndex((s) => s.stepId === body.stepId) + 1;
        return t('board.moved', { name: nameOf(body.stepId), position, total: result.timeline.steps.length });
      });
      if (focusAfter) setFocusTarget(focusAfter);
    },
    [order, change, nameOf, t],
  );

  const revert = useCallback(
    (which: 'undo' | 'redo') =>
      write(
        which,
        (sequence) =>
          api.POST(which === 'undo' ? '/v1/timelines/{id}/undo' : '/v1/timelines/{id}/redo', {
            params: path,
            body: { expectedSequence: sequence },
            ...auth,
          }),
        (result) => {
          const name = nameOf(result.event.stepId, result.timeline.steps);
          const what = t(`board.event.${result.event.type}` as const, { name });
          return t(which === 'undo' ? 'board.undone' : 'board.redone', { change: what });
        },
      ),
    [write, path, auth, nameOf, t],
  );

  const actions: StepActions = useMemo(
    () => ({
      moveUp: (stepId) => move(`move-${stepId}`, moveBy(order, stepId, -1), `move-up-${stepId}`),
      moveDown: (stepId) => move(`move-${stepId}`, moveBy(order, stepId, 1), `move-down-${stepId}`),
      setStatus: (stepId, status) =>
        change(`status-${stepId}`, { type: 'setStatus', stepId, status }, () =>
          t('board.statusSaved', { name: nameOf(stepId), status: t(`board.status.${status}` as const) }),
        ),
      modify: (stepId, fields) =>
        change(`edit-${stepId}`, { type: 'modify', stepId, fields }, (r) =>
          t('board.saved', { name: nameOf(stepId, r.timeline.steps) }),
        ),
      addDependency: (body) =>
        change(`dependency-${body.stepId}`, body, () =>
          t('board.dependencyAdded', { name: nameOf(body.stepId), dependsOn: nameOf(body.dependsOn) }),
        ),
      removeDependency: (stepId, dependsOn) =>
        change(`dependency-${stepId}-${dependsOn}`, { type: 'removeDependency', stepId, dependsOn }, () =>
          t('board.dependencyRemoved', { name: nameOf(stepId), dependsOn: nameOf(dependsOn) }),
        ),
    }),
    [move, change, order, nameOf, t],
  );

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const positionOf = (id: string | number) => order.indexOf(String(id)) + 1;
  const announcements: Announcements = {
    onDragStart: ({ active }) =>
      t('board.dnd.start', { name: nameOf(String(active.id)), position: positionOf(active.id), total: order.length }),
    onDragOver: ({ active, over }) =>
      over
        ? t('board.dnd.over', { name: nameOf(String(active.id)), position: positionOf(over.id), total: order.length })
        : t('board.dnd.outside', { name: nameOf(String(active.id)) }),
    onDragEnd: ({ active, over }) =>
      over
        ? t('board.dnd.end', { name: nameOf(String(active.id)), position: positionOf(over.id), total: order.length })
        : t('board.dnd.cancel', { name: nameOf(String(active.id)) }),
    onDragCancel: ({ active }) => t('board.dnd.cancel', { name: nameOf(String(active.id)) }),
  };
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    const id = String(active.id);
    void move(`move-${id}`, moveForDrop(order, id, over ? String(over.id) : null), `drag-${id}`);
  };

  if (loadError) {
    if (loadError.status === 401) return <SignInFirst />;
    if (loadError.status === 403) return <p role="alert">{t('board.forbidden')}</p>;
    if (loadError.status === 404) return <p role="alert">{t('board.notFound', { id: timelineId })}</p>;
    return <p role="alert">{t('board.loadFailed', { message: loadError.message })}</p>;
  }
  if (!timeline) return <p role="status">{t('app.loading')}</p>;

  const errorFor = (control: string) => (error?.control === control ? error : undefined);
  const revertError = error && (error.control === 'undo' || error.control === 'redo') ? error : undefined;
  return (
    <>
      <h1>{timeline.name}</h1>
      <p>{t('board.target', { date: formatDate(timeline.targetLaunchDate, locale) })}</p>
      {readOnly && <p className="note">{t('board.readOnly')}</p>}
      {analytics && <TimelineAnalytics analytics={analytics} timeline={timeline} />}

      <section aria-labelledby="board-steps" className="board">
        <h2 id="board-steps">{t('board.steps')}</h2>
        {!readOnly && (
          <>
            <p className="hint">{t('board.stepsIntro')}</p>
            <div className="actions board-toolbar">
              {(['undo', 'redo'] as const).map((which) => (
                <button
                  key={which}
                  type="button"
                  className="secondary"
                  aria-disabled={busy || undefined}
                  aria-describedby={revertError?.control === which ? 'revert-error' : undefined}
                  onClick={() => void revert(which)}
                >
                  {t(which === 'undo' ? 'board.undo' : 'board.redo')}
                </button>
              ))}
            </div>
            {revertError && (
              <p id="revert-error" className="field-error" role="alert">
                {revertError.message}
              </p>
            )}
          </>
        )}
        <p role="status" className="status-line">
          {announcement}
        </p>
        <DndContext
          sensors={sensors}
          collisionDetection={closestCenter}
          modifiers={[verticalOnly]}
          onDragEnd={onDragEnd}
          accessibility={{ announcements, screenReaderInstructions: { draggable: t('board.dnd.instructions') } }}
        >
          <SortableContext items={rows.map((r) => r.step.stepId)} strategy={verticalListSortingStrategy}>
            <ol className="board-steps">
              {rows.map((row) => (
                <TimelineStepCard
                  key={row.step.stepId}
                  row={row}
                  total={rows.length}
                  timeline={timeline}
                  readOnly={readOnly}
                  busy={busy}
                  error={(control) => errorFor(control)}
                  actions={actions}
                />
              ))}
            </ol>
          </SortableContext>
        </DndContext>
      </section>
    </>
  );
}

function SignInFirst() {
  const { locale, t } = useI18n();
  return (
    <p>
      {t('board.needSignIn')} <Link href={`/${locale}/${COACH_SIGN_IN}`}>{t('board.coachSignIn')}</Link> ·{' '}
      <Link href={`/${locale}/sign-in`}>{t('board.staffSignIn')}</Link>
    </p>
  );
}

/** The roles the API lets change a timeline (the coach, and ops as mentors); any other reads it at most. */
const CHANGERS = new Set(['coach', 'ops']);

/**
 * `/:locale/coach/timelines/:timelineId`: the coach's launch timeline as a board. The coach's own session is used
 * first, else a staff token (ops change it as mentors, auditors read it). The API says who the token is (a
 * provider's token may carry its role anywhere), and decides on every request.
 */
export function TimelinePage({ timelineId }: { timelineId: string }) {
  const { t } = useI18n();
  const coach = coachSession.get();
  const token = coach?.token ?? staffToken.get();
  const who = useWho(token);
  if (!token) return <SignInFirst />;
  if (!who) return <p role="status">{t('app.loading')}</p>;
  return (
    <>
      {coach && <CoachNav current="timeline" timelineId={timelineId} />}
      <Board key={token} timelineId={timelineId} token={token} readOnly={!CHANGERS.has(who.session?.role ?? '')} />
    </>
  );
}
