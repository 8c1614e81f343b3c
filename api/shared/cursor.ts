import { z } from 'zod';
import { invalidParameter } from './errors';

/** The `nextCursor` of a page: absent on the last page (never `null`), so every list reads the same. */
export const nextCursorSchema = z
  .string()
  .optional()
  .describe('pass as `cursor` for the next page; absent on the last page');
export const cursorQuery = z.string().max(500).optional().describe('the `nextCursor` of the previous page');

export interface CursorCodec<T> {
  encode(position: T): string;
  /** The position a cursor names; 400 naming `query.cursor` for anything this API did not give out. */
  decode(cursor: string): T;
}

/**
 * One cursor format for every list: the position (the keys of the last row of the page) as base64url JSON, checked
 * against its schema on the way back in, so a hand-made cursor is a 400 and never reaches a query.
 */
export function cursorCodec<S extends z.ZodType>(position: S): CursorCodec<z.infer<S>> {
  return {
    encode: (value) => Buffer.from(JSON.stringify(value)).toString('base64url'),
    decode: (cursor) => {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        json = undefined;
      }
      const parsed = position.safeParse(json);
      if (!parsed.success) throw invalidParameter('query.cursor', 'is not a cursor this API gave out');
      return parsed.data;
    },
  };
}

/**
 * A page of `limit` rows out of `limit + 1` fetched (one more tells whether another page exists), and the cursor that
 * points after its last row when there is one.
 */
export function pageOf<Row, T>(
  rows: Row[],
  limit: number,
  codec: CursorCodec<T>,
  positionOf: (row: Row) => T,
): { page: Row[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return rows.length > limit && last ? { page, nextCursor: codec.encode(positionOf(last)) } : { page };
}

/** A PostgreSQL timestamp as the cursor carries it: UTC, to the microsecond, nothing JavaScript alone would accept. */
export const cursorTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/)
  .refine((t) => !Number.isNaN(Date.parse(t)) && new Date(t).toISOString().slice(0, 19) === t.slice(0, 19));
