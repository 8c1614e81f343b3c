import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ApiError } from '../api/client';
import { issuesByField, type FieldSpec, type FormValues } from '../form-state';
import { ErrorSummary, Field } from './Field';

/**
 * A form's errors from the API's answer: each issue under the field it names, else the answer's message as the
 * form's own (key `''`). When new errors arrive, the first field in error takes the focus, so a keyboard or
 * screen-reader user lands on it. `pathPrefix` is where the form's fields sit in the request body.
 */
export function useFieldErrors(fields: FieldSpec[], pathPrefix = '') {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  const show = (error: ApiError | undefined) => {
    if (!error) return setErrors({});
    const byField = issuesByField(error.issues ?? [], fields, pathPrefix);
    setErrors(Object.keys(byField).length ? byField : { '': error.message });
  };
  /** The form's own message: the API's where no field took it, else `fixErrors` when any field is in error. */
  const summary = (fixErrors: string) => errors[''] ?? (Object.keys(errors).length ? fixErrors : undefined);
  return { errors, show, summary, formRef };
}

/** The words a step form's controls use, in the page's language and area. */
export interface StepFormText {
  fixErrors: string;
  back: string;
  saving: string;
  next: string;
}

/**
 * One step of a guided form (the parent's enrollment, the coach's onboarding): its fields, saved on "next" through
 * `onSubmit`, which answers the API's error or nothing; the API's issues appear under their fields.
 */
export function StepForm({
  fields,
  text,
  onSubmit,
  initial = {},
  onBack,
  intro,
  idPrefix,
  labelOf,
  hintOf,
}: {
  fields: FieldSpec[];
  text: StepFormText;
  onSubmit: (values: FormValues) => Promise<ApiError | undefined>;
  initial?: FormValues;
  onBack?: () => void;
  intro?: string;
  idPrefix?: string;
  /** A field's label and hint where they are not the parent's `field.{path}` text. */
  labelOf?: (spec: FieldSpec) => string;
  hintOf?: (spec: FieldSpec) => string | undefined;
}) {
  const [values, setValues] = useState<FormValues>(initial);
  const [saving, setSaving] = useState(false);
  const { errors, show, summary, formRef } = useFieldErrors(fields);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    const error = await onSubmit(values);
    setSaving(false);
    if (error) show(error);
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate>
      {intro && <p>{intro}</p>}
      <ErrorSummary message={summary(text.fixErrors)} />
      {fields.map((spec) => (
        <Field
          key={spec.path}
          idPrefix={idPrefix}
          spec={spec}
          label={labelOf?.(spec)}
          hint={hintOf?.(spec)}
          value={values[spec.path]}
          error={errors[spec.path]}
          onChange={(value) => setValues((v) => ({ ...v, [spec.path]: value }))}
        />
      ))}
      <div className="actions">
        {onBack && (
          <button type="button" className="secondary" onClick={onBack}>
            {text.back}
          </button>
        )}
        <button type="submit" disabled={saving}>
          {saving ? text.saving : text.next}
        </button>
      </div>
    </form>
  );
}
