import type { FieldSpec, FormValue } from '../form-state';
import { optionLabel, useI18n, type MessageKey } from '../i18n';

const idOf = (prefix: string, path: string) => `${prefix}-${path.replace(/\./g, '-')}`;

interface FieldProps {
  spec: FieldSpec;
  value: FormValue | undefined;
  error?: string;
  onChange: (value: FormValue) => void;
  /** Distinguishes forms on one page (each row's corrections). */
  idPrefix?: string;
  /** Every field may stay empty (corrections). */
  allOptional?: boolean;
  /** The label, where it is not `field.{path}` (another page's own text). */
  label?: string;
  /** A hint under the label (the expected format), tied to the input by `aria-describedby`. */
  hint?: string;
}

/**
 * One form field with its label, and its error (from the API) tied to it by `aria-describedby` and `aria-invalid`.
 * Groups (checkboxes, yes/no) are fieldsets whose legend is the label.
 */
export function Field({
  spec,
  value,
  error,
  onChange,
  idPrefix = 'f',
  allOptional = false,
  label: labelText,
  hint,
}: FieldProps) {
  const { t } = useI18n();
  const id = idOf(idPrefix, spec.path);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const label = labelText ?? t(`field.${spec.path}` as MessageKey);
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ');
  const described = {
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    ...(error ? { 'aria-invalid': true as const } : {}),
  };
  const hintText = hint ? (
    <p id={hintId} className="hint field-hint">
      {hint}
    </p>
  ) : null;
  const required = !spec.optional && !allOptional;
  const errorText = error ? (
    <p id={errorId} className="field-error">
      {error}
    </p>
  ) : null;

  if (spec.kind === 'checkboxes' || spec.kind === 'yesno') {
    const options = spec.kind === 'yesno' ? ['yes', 'no'] : (spec.options ?? []);
    const selected = Array.isArray(value) ? value : value ? [value] : [];
    return (
      <fieldset
        className={error ? 'field invalid' : 'field'}
        {...(describedBy ? { 'aria-describedby': describedBy } : {})}
      >
        <legend>{label}</legend>
        {hintText}
        <div className={spec.kind === 'yesno' ? 'choices inline' : 'choices'}>
          {options.map((option) => {
            const optionId = `${id}-${option.replace(/\W+/g, '-')}`;
            const checked = selected.includes(option);
            return (
              <label key={option} htmlFor={optionId} className="choice">
                <input
                  id={optionId}
                  type={spec.kind === 'yesno' ? 'radio' : 'checkbox'}
                  name={id}
                  value={option}
                  checked={checked}
                  {...(error ? { 'aria-invalid': true as const } : {})}
                  onChange={() => {
                    if (spec.kind === 'yesno') onChange(option);
                    else onChange(checked ? selected.filter((s) => s !== option) : [...selected, option]);
                  }}
                />
                {optionLabel(t, option)}
              </label>
            );
          })}
        </div>
        {errorText}
      </fieldset>
    );
  }

  const text = typeof value === 'string' ? value : '';
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {hintText}
      {spec.kind === 'select' ? (
        <select id={id} value={text} required={required} onChange={(e) => onChange(e.target.value)} {...described}>
          <option value="">{t('option.choose')}</option>
          {spec.options?.map((option) => (
            <option key={option} value={option}>
              {optionLabel(t, option)}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type={spec.kind === 'datetime' ? 'datetime-local' : spec.kind}
          value={text}
          required={required}
          autoComplete={spec.autoComplete ?? 'off'}
          onChange={(e) => onChange(e.target.value)}
          {...described}
        />
      )}
      {errorText}
    </div>
  );
}

export function ErrorSummary({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <div role="alert" className="alert">
      {message}
    </div>
  );
}
