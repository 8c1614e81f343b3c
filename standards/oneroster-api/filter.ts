/**
 * The OneRoster 1.2 REST binding's `filter` grammar: `field op 'value'` predicates joined by ` AND ` / ` OR `
 * (AND binds tighter; the binding has no parentheses). Operators `=`, `!=`, `>`, `>=`, `<`, `<=` and `~` (contains).
 * Values are single-quoted; a quote inside a value is written twice (`'O''Neil'`). The parser only builds a tree:
 * turning it into SQL, with every value a bound parameter, is the repository's job.
 */
import { OneRosterError } from './status-info';

export const FILTER_OPERATORS = ['=', '!=', '>', '>=', '<', '<='] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number] | '~';

export interface FilterPredicate {
  field: string;
  op: FilterOperator;
  value: string;
}

/** OR of ANDs: `a AND b OR c` is `[[a, b], [c]]`. */
export type FilterExpression = FilterPredicate[][];

const invalid = (message: string) => new OneRosterError(400, 'invalid_filter_field', `filter: ${message}`);

export function parseFilter(text: string, knownFields: ReadonlySet<string>): FilterExpression {
  const expression: FilterExpression = [[]];
  let pos = 0;
  const skipSpaces = () => {
    while (text[pos] === ' ') pos++;
  };

  for (;;) {
    skipSpaces();
    const field = /^[A-Za-z][A-Za-z0-9.]*/.exec(text.slice(pos))?.[0];
    if (!field) throw invalid(`expected a field name at character ${pos + 1}`);
    if (!knownFields.has(field)) throw invalid(`unknown field "${field}"; filterable: ${[...knownFields].join(', ')}`);
    pos += field.length;
    skipSpaces();
    const op = (['!=', '>=', '<=', '=', '>', '<', '~'] as const).find((o) => text.startsWith(o, pos));
    if (!op) throw invalid(`expected an operator (=, !=, >, >=, <, <=, ~) after "${field}"`);
    pos += op.length;
    skipSpaces();
    if (text[pos] !== "'") throw invalid(`the value for "${field}" must be in single quotes`);
    pos++;
    let value = '';
    for (;;) {
      if (pos >= text.length) throw invalid(`the value for "${field}" has no closing quote`);
      const ch = text[pos]!;
      if (ch === "'") {
        if (text[pos + 1] === "'") {
          value += "'";
          pos += 2;
          continue;
        }
        pos++;
        break;
      }
      value += ch;
      pos++;
    }
    expression[expression.length - 1]!.push({ field, op, value });
    if (text.slice(pos).trim() === '') return expression;
    const rest = text.slice(pos);
    const logical = /^ +(AND|OR) +/.exec(rest);
    if (!logical) throw invalid(`expected " AND " or " OR " at character ${pos + 1}`);
    if (logical[1] === 'OR') expression.push([]);
    pos += logical[0].length;
  }
}
