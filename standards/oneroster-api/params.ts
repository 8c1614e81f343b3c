/**
 * The query parameters of a OneRoster 1.2 collection request, as the REST binding defines them, checked against the
 * fields a collection can sort, filter and select. Anything else is a 400 with `imsx_StatusInfo`.
 */
import { parseFilter, type FilterExpression } from './filter';
import { OneRosterError } from './status-info';

export const DEFAULT_LIMIT = 100;
/** An oversized `limit` is clamped to this, not refused (the binding lets a provider cap its pages). */
export const MAX_LIMIT = 1000;

export interface CollectionParams {
  limit: number;
  offset: number;
  sort?: string;
  orderBy: 'asc' | 'desc';
  /** Selected top-level properties; every property when absent. */
  fields?: string[];
  filter?: FilterExpression;
}

export interface CollectionFields {
  /** Fields usable in `sort` and `filter`. */
  queryable: ReadonlySet<string>;
  /** Top-level properties of the object, usable in `fields`. */
  selectable: ReadonlySet<string>;
}

const KNOWN = new Set(['limit', 'offset', 'sort', 'orderBy', 'fields', 'filter']);

type Query = Record<string, string | string[] | undefined>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new OneRosterError(400, 'invaliddata', `${name} may be given once`);
  return value;
}

/** Digits only: `1e2`, `+5`, `5.0` and `0x10` are refused rather than guessed at. */
function wholeNumber(query: Query, name: string, min: number): number | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new OneRosterError(400, 'invaliddata', `${name} must be a whole number ≥ ${min}, got "${value}"`);
  }
  const n = Number(value);
  if (n < min) throw new OneRosterError(400, 'invaliddata', `${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

export function parseCollectionParams(query: Query, fields: CollectionFields): CollectionParams {
  const unknown = Object.keys(query).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) {
    throw new OneRosterError(400, 'invaliddata', `unknown query parameter ${unknown.join(', ')}`);
  }
  const limit = Math.min(wholeNumber(query, 'limit', 1) ?? DEFAULT_LIMIT, MAX_LIMIT);
  const offset = wholeNumber(query, 'offset', 0) ?? 0;

  const sort = single(query, 'sort');
  if (sort !== undefined && !fields.queryable.has(sort)) {
    throw new OneRosterError(400, 'invalid_selection_field', `sort: cannot sort by "${sort}"`);
  }
  const orderBy = single(query, 'orderBy') ?? 'asc';
  if (orderBy !== 'asc' && orderBy !== 'desc') {
    throw new OneRosterError(400, 'invaliddata', `orderBy must be asc or desc, got "${orderBy}"`);
  }

  const fieldsParam = query.fields;
  let selected: string[] | undefined;
  if (fieldsParam !== undefined) {
    selected = [fieldsParam]
      .flat()
      .flatMap((f) => f.split(','))
      .map((f) => f.trim());
    const bad = selected.filter((f) => !fields.selectable.has(f));
    if (bad.length > 0 || selected.length === 0) {
      throw new OneRosterError(400, 'invalid_selection_field', `fields: unknown field ${bad.join(', ') || '(empty)'}`);
    }
  }

  const filterText = single(query, 'filter');
  const filter = filterText === undefined ? undefined : parseFilter(filterText, fields.queryable);
  return {
    limit,
    offset,
    ...(sort ? { sort } : {}),
    orderBy,
    ...(selected ? { fields: selected } : {}),
    ...(filter ? { filter } : {}),
  };
}

/** Only the selected top-level properties of an object, in its own order. */
export function selectFields<T extends object>(object: T, fields: readonly string[] | undefined): Partial<T> {
  if (!fields) return object;
  return Object.fromEntries(Object.entries(object).filter(([key]) => fields.includes(key))) as Partial<T>;
}

/** `Link` header values (RFC 8288) for first, prev, next and last pages, keeping the request's other parameters. */
export function paginationLinks(url: URL, params: CollectionParams, total: number): string {
  const page = (offset: number) => {
    const next = new URL(url);
    next.searchParams.set('limit', String(params.limit));
    next.searchParams.set('offset', String(offset));
    return next.toString();
  };
  const last = total === 0 ? 0 : Math.floor((total - 1) / params.limit) * params.limit;
  const links = [`<${page(0)}>; rel="first"`];
  if (params.offset > 0) links.push(`<${page(Math.max(0, params.offset - params.limit))}>; rel="prev"`);
  if (params.offset + params.limit < total) links.push(`<${page(params.offset + params.limit)}>; rel="next"`);
  links.push(`<${page(last)}>; rel="last"`);
  return links.join(', ');
}
