import { useSortable } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { useRef, useState, type FormEvent } from 'react';
import { useI18n, type Translate } from '../../i18n';
import {
  formatDate,
  STEP_STATUSES,
  type AddDependency,
  type ApiRefusal,
  type ControlError,
  type BoardRow,
  type DependencyRow,
  type ModifyFields,
  type StepStatus,
  type Timeline,
} from '../../timeline-board';
import { DependencyForm, EditForm } from './TimelineForms';

/** What a step's controls ask the board to do; each resolves with the API's refusal, if any. */
export interface StepActions {
  moveUp(stepId: string): Promise<void>;
  moveDown(stepId: string): Promise<void>;
  setStatus(stepId: string, status: StepStatus): Promise<ApiRefusal | undefined>;
  modify(stepId: string, fields: ModifyFields): Promise<ApiRefusal | undefined>;
  addDependency(change: AddDependency): Promise<ApiRefusal | undefined>;
  removeDependency(stepId: string, dependsOn: string): Promise<ApiRefusal | undefined>;
}

/** A control that must not act now keeps its focus (unlike `disabled`) and says so to assistive technology. */
const unavailable = (yes: boolean) => (yes ? { 'aria-disabled': true as const } : {});
const describedBy = (...ids: (string | undefined | false)[]) => ids.filter(Boolean).join(' ') || undefined;

function dependencyText(t: Translate, d: DependencyRow): string {
  const lag =
    d.lagDays > 0 ? t('board.lag', { days: d.lagDays }) : d.lagDays < 0 ? t('board.lead', { days: -d.lagDays }) : '';
  const condition = d.condition
    ? t('board.condition', { field: d.condition.field, value: String(d.condition.equals) })
    : '';
  return (
    t('board.dependency', {
      name: d.dependsOnName,
      kind: t(`board.kindName.${d.kind}` as const),
      relation: t(`board.relation.${d.relation}` as const),
      lag,
    }) + condition
  );
}

function StatusForm({
  row,
  error,
  busy,
  onSave,
}: {
  row: BoardRow;
  error?: ControlError;
  busy: boolean;
  onSave: (status: StepStatus) => void;
}) {
  const { t } = useI18n();
  const { stepId } = row.step;
  const [status, setStatus] = useState<StepStatus>(row.step.status);
  const [shown, setShown] = useState(row.step.status);
  // The step's status changed on the server (an undo, a reload): the choice follows it.
  if (shown !== row.step.status) {
    setShown(row.step.status);
    setStatus(row.step.status);
  }
  const id = `status-${stepId}`;
  const errorId = `${id}-error`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) onSave(status);
  };
  return (
    <form className={error ? 'board-status invalid' : 'board-status'} onSubmit={submit} noValidate>
      <label htmlFor={id}>{t('board.status')}</label>
      <div className="board-status-row">
        <select
          id={id}
          value={status}
          onChange={(e) => setStatus(e.target.value as StepStatus)}
          {...(error ? { 'aria-invalid': true, 'aria-describedby': errorId } : {})}
        >
          {STEP_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`board.status.${s}` as const)}
            </option>
          ))}
        </select>
        <button type="submit" {...unavailable(busy)}>
          {t('board.saveStatus')}
        </button>
      </div>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error.message}
        </p>
      )}
    </form>
  );
}

/** One step of the board: what it is, when, what it waits for, what the analytics say, and its controls. */
export function TimelineStepCard({
  row,
  total,
  timeline,
  readOnly,
  busy,
  error,
  actions,
}: {
  row: BoardRow;
  total: number;
  timeline: Timeline;
  readOnly: boolean;
  busy: boolean;
  error: (control: string) => ControlError | undefined;
  actions: StepActions;
}) {
  const { locale, t } = useI18n();
  const { step } = row;
  const id = step.stepId;
  const [open, setOpen] = useState<'edit' | 'dependency'>();
  // A form closed by its own Save or Cancel hands the focus back to the button that opened it, before the form
  // leaves the page: removing the focused control would otherwise leave the focus nowhere (on the body).
  const toggles = { edit: useRef<HTMLButtonElement>(null), dependency: useRef<HTMLButtonElement>(null) };
  const close = (which: 'edit' | 'dependency') => {
    toggles[which].current?.focus();
    setOpen(undefined);
  };
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id,
    disabled: readOnly,
    attributes: { roleDescription: t('board.sortable') },
  });
  const date = (d: string | null) => (d ? formatDate(d, locale) : undefined);
  const moveError = error(`move-${id}`);
  const moveErrorId = `move-${id}-error`;
  const toggle = (which: 'edit' | 'dependency') => setOpen(open === which ? undefined : which);
  const classes = ['card', 'board-step', row.critical && 'critical', isDragging && 'dragging'].filter(Boolean);

  return (
    <li
      ref={setNodeRef}
      id={`step-${id}`}
      className={classes.join(' ')}
      aria-labelledby={`step-${id}-name`}
      style={{ transform: CSS.Translate.toString(transform), transition }}
    >
      <div className="board-step-head">
        {!readOnly && (
          <button
            type="button"
            id={`drag-${id}`}
            ref={setActivatorNodeRef}
            className="drag-handle"
            {...attributes}
            {...listeners}
            aria-label={t('board.dragHandle', { name: step.name })}
            aria-describedby={describedBy(attributes['aria-describedby'], moveError && moveErrorId)}
          >
            <span aria-hidden="true">⠿</span>
          </button>
        )}
        <h3 id={`step-${id}-name`}>
          <span className="board-position">{row.position}.</span> {step.name}
        </h3>
      </div>
      <p className="badges">
        {row.critical && <span className="badge badge-critical">{t('board.criticalPath')}</span>}
        {row.overdueDays !== undefined && <span className="badge badge-overdue">{t('board.overdueBadge')}</span>}
        {row.blocked && <span className="badge badge-blocked">{t('board.blockedBadge')}</span>}
        <span className={`badge status-${step.status}`}>{t(`board.status.${step.status}` as const)}</span>
      </p>
      <div className="board-step-body">
        <div className="board-info">
          <dl className="facts">
            <dt>{t('board.category')}</dt>
            <dd>{step.category}</dd>
            <dt>{t('board.priority')}</dt>
            <dd>{t(`board.priority.${step.priority}` as const)}</dd>
            <dt>{t('board.dates')}</dt>
            <dd>
              {step.plannedStart && step.dueDate
                ? t('board.dateRange', { start: date(step.plannedStart)!, end: date(step.dueDate)! })
                : step.dueDate
                  ? `${t('board.dueDate')} ${date(step.dueDate)}`
                  : t('board.noDates')}
              {row.overdueDays !== undefined && (
                <>
                  {' '}
                  <strong className="error-text">
                    ({t('board.overdueItem', { days: row.overdueDays, date: date(step.dueDate) ?? '' })})
                  </strong>
                </>
              )}
            </dd>
            <dt>{t('board.duration')}</dt>
            <dd>{t('board.durationDays', { days: step.durationDays })}</dd>
            {row.schedule && (
              <>
                <dt>{t('board.schedule')}</dt>
                <dd>
                  {t('board.dateRange', {
                    start: date(row.schedule.earliestStart)!,
                    end: date(row.schedule.earliestFinish)!,
                  })}
                </dd>
                <dt>{t('board.slack')}</dt>
                <dd className="slack">
                  {row.schedule.slackDays > 0
                    ? t('board.slackDays', { days: row.schedule.slackDays })
                    : row.critical
                      ? t('board.slackNone')
                      : t('board.slackDays', { days: row.schedule.slackDays })}
                </dd>
              </>
            )}
            {step.assignee && (
              <>
                <dt>{t('board.assignee')}</dt>
                <dd>{step.assignee}</dd>
              </>
            )}
          </dl>

          <h4>{t('board.dependencies')}</h4>
          {row.dependencies.length === 0 ? (
            <p className="hint">{t('board.noDependencies')}</p>
          ) : (
            <ul className="board-dependencies">
              {row.dependencies.map((d) => {
                const control = `dependency-${id}-${d.dependsOn}`;
                const depError = error(control);
                return (
                  <li key={d.dependsOn}>
                    <span>{dependencyText(t, d)}</span>
                    {!readOnly && (
                      <button
                        type="button"
                        className="secondary small"
                        aria-label={t('board.removeDependencyLabel', { name: d.dependsOnName })}
                        aria-describedby={depError ? `${control}-error` : undefined}
                        {...unavailable(busy)}
                        onClick={() => !busy && void actions.removeDependency(id, d.dependsOn)}
                      >
                        {t('board.removeDependency')}
                      </button>
                    )}
                    {depError && (
                      <p id={`${control}-error`} className="field-error" role="alert">
                        {depError.message}
                      </p>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {step.blockers.length > 0 && (
            <div className="board-blockers">
              <h4>{t('board.blockers')}</h4>
              <ul>
                {step.blockers.map((b) => (
                  <li key={b.dependsOn}>{b.message}</li>
                ))}
              </ul>
            </div>
          )}
          {row.warnings.length > 0 && (
            <div className="board-warnings" role="status">
              <h4>{t('board.warnings')}</h4>
              <ul>
                {row.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
        {!readOnly && (
          <div className="board-controls">
            <StatusForm
              row={row}
              busy={busy}
              error={error(`status-${id}`)}
              onSave={(status) => void actions.setStatus(id, status)}
            />
            <div className="actions">
              <button
                type="button"
                id={`move-up-${id}`}
                className="secondary"
                aria-label={t('board.moveUpLabel', { name: step.name })}
                aria-describedby={moveError ? moveErrorId : undefined}
                {...unavailable(busy || row.position === 1)}
                onClick={() => !busy && row.position > 1 && void actions.moveUp(id)}
              >
                {t('board.moveUp')}
              </button>
              <button
                type="button"
                id={`move-down-${id}`}
                className="secondary"
                aria-label={t('board.moveDownLabel', { name: step.name })}
                aria-describedby={moveError ? moveErrorId : undefined}
                {...unavailable(busy || row.position === total)}
                onClick={() => !busy && row.position < total && void actions.moveDown(id)}
              >
                {t('board.moveDown')}
              </button>
              <button
                type="button"
                ref={toggles.edit}
                className="secondary"
                aria-expanded={open === 'edit'}
                aria-label={t('board.editLabel', { name: step.name })}
                onClick={() => toggle('edit')}
              >
                {t('board.edit')}
              </button>
              <button
                type="button"
                ref={toggles.dependency}
                className="secondary"
                aria-expanded={open === 'dependency'}
                aria-label={t('board.addDependencyLabel', { name: step.name })}
                onClick={() => toggle('dependency')}
              >
                {t('board.addDependency')}
              </button>
            </div>
            {moveError && (
              <p id={moveErrorId} className="field-error" role="alert">
                {moveError.message}
              </p>
            )}
          </div>
        )}
      </div>
      {!readOnly && (
        <>
          {open === 'edit' && (
            <EditForm
              step={step}
              busy={busy}
              error={error(`edit-${id}`)}
              onSave={async (fields) => {
                const refusal = await actions.modify(id, fields);
                if (!refusal) close('edit');
                return refusal;
              }}
              onCancel={() => close('edit')}
            />
          )}
          {open === 'dependency' && (
            <DependencyForm
              step={step}
              timeline={timeline}
              busy={busy}
              error={error(`dependency-${id}`)}
              onSave={async (change) => {
                const refusal = await actions.addDependency(change);
                if (!refusal) close('dependency');
                return refusal;
              }}
              onCancel={() => close('dependency')}
            />
          )}
        </>
      )}
    </li>
  );
}
