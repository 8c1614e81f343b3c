/**
 * Text that PostgreSQL (and every reader after it) can store and show faithfully. PostgreSQL refuses NUL in `text`
 * and `jsonb`, the JSON encoder turns a lone UTF-16 surrogate into U+FFFD on the way to the database, and other
 * control characters are invisible in every screen that shows a name. Pure: imports nothing of the project.
 */

/** Fields whose text may span lines: tab, line feed and carriage return are allowed there and nowhere else. */
export const MULTI_LINE_FIELDS: ReadonlySet<string> = new Set(['notes', 'reason', 'bio', 'description', 'message']);

// C0 controls, DEL and C1 controls; and a surrogate that is not one half of a pair (the `u` flag sees it alone).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const LONE_SURROGATE = /\p{Cs}/u;
const LINE_BREAKS = /[\t\n\r]/g;

/** Why this text cannot be taken as it is, or undefined when it can. */
export function textProblem(text: string, multiLine = false): string | undefined {
  if (text.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(text)) return 'must not contain an unpaired UTF-16 surrogate';
  const rest = multiLine ? text.replace(LINE_BREAKS, '') : text;
  if (CONTROL.test(rest)) {
    return multiLine
      ? 'must not contain control characters other than tab, line feed and carriage return'
      : 'must not contain control characters (a single line of text)';
  }
  return undefined;
}

export interface TextIssue {
  /** Dotted path of the field, `guardian.firstName`, `races.1`. */
  path: string;
  message: string;
}

/**
 * Walks a parsed JSON value: every string (object keys included) is checked and NFC-normalised. Returns the
 * normalised value and the problems found, each at its field's path.
 */
export function normaliseText(value: unknown, path: string[] = []): { value: unknown; issues: TextIssue[] } {
  const issues: TextIssue[] = [];
  const walk = (v: unknown, at: string[]): unknown => {
    if (typeof v === 'string') {
      const problem = textProblem(v, MULTI_LINE_FIELDS.has(at.at(-1) ?? ''));
      if (problem) {
        issues.push({ path: at.join('.'), message: problem });
        return v;
      }
      return v.normalize('NFC');
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, String(i)]));
    // Parsed JSON objects, and query strings (parsed into objects whose prototype has no prototype).
    if (Object.prototype.toString.call(v) === '[object Object]') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v as object)) {
        const problem = textProblem(key);
        if (problem) issues.push({ path: [...at, key].join('.'), message: `field name ${problem}` });
        out[problem ? key : key.normalize('NFC')] = walk(item, [...at, key]);
      }
      return out;
    }
    return v;
  };
  return { value: walk(value, path), issues };
}

const escapeUnit = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

const UNSTORABLE = /\u0000|\p{Cs}/u;

/**
 * The text as PostgreSQL will keep it: every backslash is doubled and NUL and lone surrogates (which `text` and
 * `jsonb` refuse or alter) are written as visible `\uXXXX` escapes, so an escape is never ambiguous; text without them
 * is kept exactly. `escaped` says whether anything was rewritten, so the caller can mark the stored value.
 */
export function storableText(text: string): { text: string; escaped: boolean } {
  if (!UNSTORABLE.test(text)) return { text, escaped: false };
  const out = text.replaceAll('\\', '\\\\').replace(/\u0000|\p{Cs}/gu, escapeUnit);
  return { text: out, escaped: true };
}
