/**
 * The parent's form as data: which fields each step has, how typed-in values become the API's step payload, where
 * the API's field issues go, and which step may be shown. Pure functions, unit-tested without a browser.
 */
export type FieldKind = 'text' | 'email' | 'tel' | 'date' | 'datetime' | 'select' | 'checkboxes' | 'yesno';

export interface FieldSpec {
  /** The payload path the API names in its issues, e.g. `guardian.email`. */
  path: string;
  kind: FieldKind;
  optional?: boolean;
  options?: readonly string[];
  autoComplete?: string;
}

export type FormValue = string | string[];
export type FormValues = Record<string, FormValue>;

export const SPORTS = ['basketball', 'soccer', 'baseball', 'volleyball', 'football', 'tennis', 'track', 'swimming'];
export const GRADES = ['PK', 'KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
export const RELATIONSHIPS = ['mother', 'father', 'guardian', 'grandparent', 'other'];
export const SEXES = ['Female', 'Male', 'Non-binary', 'Not Selected'];
export const RACES = [
  'American Indian or Alaska Native',
  'Asian',
  'Black or African American',
  'Native Hawaiian or Pacific Islander',
  'White',
  'Middle Eastern or North African',
  'Other',
  'Choose Not to Respond',
];
export const DOCUMENT_TYPES = [
  'birth_certificate',
  'immunization_record',
  'proof_of_residence',
  'prior_school_records',
];
export const REQUIRED_DOCUMENTS = DOCUMENT_TYPES.slice(0, 3);

export const STUDENT_FIELDS: FieldSpec[] = [
  { path: 'firstName', kind: 'text' },
  { path: 'middleName', kind: 'text', optional: true },
  { path: 'lastName', kind: 'text' },
  { path: 'birthDate', kind: 'date' },
  { path: 'sex', kind: 'select', options: SEXES },
  { path: 'hispanicLatinoEthnicity', kind: 'yesno' },
  { path: 'races', kind: 'checkboxes', options: RACES },
];

export const STEP_FIELDS: Record<number, FieldSpec[]> = {
  1: [
    { path: 'guardian.firstName', kind: 'text', autoComplete: 'given-name' },
    { path: 'guardian.lastName', kind: 'text', autoComplete: 'family-name' },
    { path: 'guardian.email', kind: 'email', autoComplete: 'email' },
    { path: 'guardian.phone', kind: 'tel', autoComplete: 'tel' },
    { path: 'guardian.relationship', kind: 'select', options: RELATIONSHIPS },
    { path: 'address.line1', kind: 'text', autoComplete: 'address-line1' },
    { path: 'address.line2', kind: 'text', optional: true, autoComplete: 'address-line2' },
    { path: 'address.city', kind: 'text', autoComplete: 'address-level2' },
    { path: 'address.state', kind: 'text', autoComplete: 'address-level1' },
    { path: 'address.postalCode', kind: 'text', autoComplete: 'postal-code' },
  ],
  2: [
    { path: 'sportInterests', kind: 'checkboxes', options: SPORTS },
    { path: 'gradeLevel', kind: 'select', options: GRADES },
    { path: 'expectedStartDate', kind: 'date' },
    { path: 'previousSchool', kind: 'text', optional: true },
  ],
  3: [{ path: 'scheduledAt', kind: 'datetime' }],
  4: STUDENT_FIELDS,
};

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/**
 * The payload the API expects for these fields. Text is sent as typed (the API trims and judges it); an empty
 * optional field, or with `onlyFilled` any empty field (an operator's corrections), is left out; a date-time typed in
 * the browser's local time is sent with its offset.
 */
export function buildPayload(
  fields: FieldSpec[],
  values: FormValues,
  { onlyFilled = false }: { onlyFilled?: boolean } = {},
): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.path] ?? (field.kind === 'checkboxes' ? [] : '');
    const empty = Array.isArray(value) ? value.length === 0 : value.trim() === '';
    if (empty && (field.optional || onlyFilled)) continue;
    if (field.kind === 'yesno') setPath(payload, field.path, value === '' ? undefined : value === 'yes');
    else if (field.kind === 'datetime' && typeof value === 'string' && value !== '') {
      const at = new Date(value);
      setPath(payload, field.path, Number.isNaN(at.getTime()) ? value : at.toISOString());
    } else setPath(payload, field.path, value);
  }
  return payload;
}

/**
 * The API's issues by the field that shows them: an item's issue (`races.2`) goes to its list's field, a path no
 * field has (or none) to the form as a whole under `''`. A prefix strips a wrapper (`corrections.`).
 */
export function issuesByField(
  issues: readonly { path: string; message: string }[],
  fields: FieldSpec[],
  prefix = '',
): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path.startsWith(prefix) ? issue.path.slice(prefix.length) : issue.path;
    const field = fields.find((f) => path === f.path || path.startsWith(`${f.path}.`));
    const key = field?.path ?? '';
    byField[key] = byField[key] ? `${byField[key]}; ${issue.message}` : issue.message;
  }
  return byField;
}

export interface StepStatus {
  step: number;
  status: 'pending' | 'completed' | 'awaiting_confirmation' | 'rejected';
}

/** The first step not completed (7 when all are): the furthest a parent may go. */
export function firstOpenStep(steps: readonly StepStatus[]): number {
  return steps.find((s) => s.status !== 'completed')?.step ?? 7;
}

/** The step to show for a requested one: any completed step (to correct it) or the first open one, never beyond. */
export function reachableStep(requested: number | undefined, steps: readonly StepStatus[]): number {
  const open = firstOpenStep(steps);
  if (requested === undefined || !Number.isInteger(requested) || requested < 1) return open;
  return Math.min(requested, open);
}

/** What a parent's browser keeps so a closed tab resumes: the enrollment, its token, and the answers given. */
export interface ParentSession {
  enrollmentId: string;
  parentToken: string;
  answers: Record<number, FormValues>;
  /** Step 5's uploaded files by document type. */
  documents?: Record<string, { fileName: string; sha256: string }>;
}

const sessionKey = (invitationToken: string) => `tsa.parent.${invitationToken}`;

export function loadParentSession(storage: Storage, invitationToken: string): ParentSession | undefined {
  try {
    const raw = storage.getItem(sessionKey(invitationToken));
    const parsed = raw ? (JSON.parse(raw) as ParentSession) : undefined;
    return parsed?.enrollmentId && parsed.parentToken ? { ...parsed, answers: parsed.answers ?? {} } : undefined;
  } catch {
    return undefined;
  }
}

export function saveParentSession(storage: Storage, invitationToken: string, session: ParentSession): void {
  storage.setItem(sessionKey(invitationToken), JSON.stringify(session));
}
