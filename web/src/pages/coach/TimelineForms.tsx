import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorSummary } from '../../components/Field';
import { useI18n, type MessageKey } from '../../i18n';
import {
  DEPENDENCY_KINDS,
  DEPENDENCY_RELATIONS,
  dependencyCandidates,
  dependencyChange,
  EDIT_FIELDS,
  editValues,
  emptyDependency,
  issuesByControl,
  modifyFields,
  PRIORITIES,
  type AddDependency,
  type ApiRefusal,
  type ControlError,
  type DependencyValues,
  type EditValues,
  type ModifyFields,
  type Timeline,
  type TimelineStep,
} from '../../timeline-board';

/** A labelled control with the API's message about it tied to it (`aria-describedby`, `aria-invalid`). */
function Control({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  children: (props: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const errorId = `${id}-error`;
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': true, 'aria-describedby': errorId } : {}) })}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * When a refusal arrives, the first control in error takes the focus, so a keyboard or screen-reader user lands on
 * it. Only then: the refusal is the board's state (a new object per refusal), while the messages derived from it are
 * new on every render, and following those would pull the focus back on each keystroke in another field.
 */
function useFocusOnRefusal(refusal: ControlError | undefined) {
  const ref = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (refusal) ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refusal]);
  return ref;
}

/** The refusal the board last showed for this form: a stale sequence (the board reloaded) stays general. */
function formErrors(error: ControlError | undefined, prefix: string, fields: readonly string[]) {
  if (!error) return {};
  if (error.refusal.error === 'stale_sequence') return { '': error.message };
  // The timeline's own refusals name one field with the refusal's message: shown there with the board's lead-in.
  return Object.fromEntries(
    Object.entries(issuesByControl(error.refusal, prefix, fields)).map(([field, message]) => [
      field,
      message === error.refusal.message ? error.message : message,
    ]),
  );
}

const MULTILINE = new Set(['description', 'notes', 'nextActions', 'resources']);
const INPUT_TYPES: Partial<Record<keyof EditValues, string>> = {
  plannedStart: 'date',
  dueDate: 'date',
  durationDays: 'number',
};

export function EditForm({
  step,
  busy,
  error,
  onSave,
  onCancel,
}: {
  step: TimelineStep;
  busy: boolean;
  error?: ControlError;
  onSave: (fields: ModifyFields) => Promise<ApiRefusal | undefined>;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<EditValues>(() => editValues(step));
  const [note, setNote] = useState<string>();
  const errors = formErrors(error, 'change.fields.', EDIT_FIELDS);
  const ref = useFocusOnRefusal(error);
  const prefix = `edit-${step.stepId}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const fields = modifyFields(step, values);
    if (Object.keys(fields).length === 0) return setNote(t('board.nothingChanged'));
    setNote(undefined);
    await onSave(fields);
  };
  return (
    <form
      ref={ref}
      className="board-form"
      onSubmit={submit}
      noValidate
      aria-label={t('board.editLabel', { name: step.name })}
    >
      <ErrorSummary message={errors['']} />
      {EDIT_FIELDS.map((field) => (
        <Control
          key={field}
          id={`${prefix}-${field}`}
          label={t(`board.field.${field}` as MessageKey)}
          error={errors[field]}
        >
          {(props) =>
            field === 'priority' ? (
              <select
                {...props}
                value={values.priority}
                onChange={(e) => setValues({ ...values, priority: e.target.value })}
              >
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {t(`board.priority.${p}` as const)}
                  </option>
                ))}
              </select>
            ) : MULTILINE.has(field) ? (
              <textarea
                {...props}
                rows={3}
                value={values[field]}
                onChange={(e) => setValues({ ...values, [field]: e.target.value })}
              />
            ) : (
              <input
                {...props}
                type={INPUT_TYPES[field] ?? 'text'}
                value={values[field]}
                onChange={(e) => setValues({ ...values, [field]: e.target.value })}
              />
            )
          }
        </Control>
      ))}
      {note && (
        <p role="status" className="hint">
          {note}
        </p>
      )}
      <div className="actions">
        <button type="submit" aria-disabled={busy || undefined}>
          {t('board.save')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('board.cancel')}
        </button>
      </div>
    </form>
  );
}

const DEPENDENCY_FIELDS = ['dependsOn', 'kind', 'relation', 'lagDays', 'condition'] as const;

export function DependencyForm({
  step,
  timeline,
  busy,
  error,
  onSave,
  onCancel,
}: {
  step: TimelineStep;
  timeline: Timeline;
  busy: boolean;
  error?: ControlError;
  onSave: (change: AddDependency) => Promise<ApiRefusal | undefined>;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<DependencyValues>(emptyDependency);
  const errors = formErrors(error, 'change.', DEPENDENCY_FIELDS);
  const ref = useFocusOnRefusal(error);
  const prefix = `dependency-${step.stepId}`;
  const set = (field: keyof DependencyValues) => (e: { target: { value: string } }) =>
    setValues({ ...values, [field]: e.target.value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!busy) await onSave(dependencyChange(step.stepId, values));
  };
  return (
    <form
      ref={ref}
      className="board-form"
      onSubmit={submit}
      noValidate
      aria-label={t('board.addDependencyLabel', { name: step.name })}
    >
      <ErrorSummary message={errors['']} />
      <Control id={`${prefix}-dependsOn`} label={t('board.field.dependsOn')} error={errors.dependsOn}>
        {(props) => (
          <select {...props} value={values.dependsOn} onChange={set('dependsOn')}>
            <option value="">{t('board.choose')}</option>
            {dependencyCandidates(timeline, step.stepId).map((s) => (
              <option key={s.stepId} value={s.stepId}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </Control>
      <Control id={`${prefix}-kind`} label={t('board.field.kind')} error={errors.kind}>
        {(props) => (
          <select {...props} value={values.kind} onChange={set('kind')}>
            {DEPENDENCY_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`board.kind.${k}` as const)}
              </option>
            ))}
          </select>
        )}
      </Control>
      <Control id={`${prefix}-relation`} label={t('board.field.relation')} error={errors.relation}>
        {(props) => (
          <select {...props} value={values.relation} onChange={set('relation')}>
            {DEPENDENCY_RELATIONS.map((r) => (
              <option key={r} value={r}>
                {t(`board.relation.${r}` as const)}
              </option>
            ))}
          </select>
        )}
      </Control>
      <Control id={`${prefix}-lagDays`} label={t('board.field.lagDays')} error={errors.lagDays}>
        {(props) => <input {...props} type="number" step={1} value={values.lagDays} onChange={set('lagDays')} />}
      </Control>
      {values.kind === 'conditional' && (
        <>
          <Control id={`${prefix}-conditionField`} label={t('board.field.conditionField')} error={errors.condition}>
            {(props) => <input {...props} value={values.conditionField} onChange={set('conditionField')} />}
          </Control>
          <Control id={`${prefix}-conditionEquals`} label={t('board.field.conditionEquals')}>
            {(props) => <input {...props} value={values.conditionEquals} onChange={set('conditionEquals')} />}
          </Control>
        </>
      )}
      <div className="actions">
        <button type="submit" aria-disabled={busy || undefined}>
          {t('board.addDependency')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('board.cancel')}
        </button>
      </div>
    </form>
  );
}
