import { z } from 'zod';
import { AppError } from '../errors.js';

/** Form fields arrive as '' when left empty; treat that as "not given". */
export const emptyAsUndefined = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** Years the service can have data for; year 0000 and the like are valid ISO text but not dates Postgres stores. */
const YEAR_MIN = 1970;
const YEAR_MAX = 9999;
const inYearRange = (v: string) => {
  const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
  const y = d.getUTCFullYear();
  return Number.isFinite(d.getTime()) && y >= YEAR_MIN && y <= YEAR_MAX;
};
const yearMessage = `must be a date between ${YEAR_MIN}-01-01 and ${YEAR_MAX}-12-31`;

/** A calendar day (UTC), YYYY-MM-DD, within the years the service can store. */
export const calendarDay = z.iso.date().refine(inYearRange, yearMessage);

/** A calendar day (UTC) or a full timestamp with offset. */
export const dayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).refine(inYearRange, yearMessage);

export const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Start of a `YYYY-MM-DD` UTC day, or the instant itself. */
export function startOf(value: string): Date {
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
}

/** Exclusive end: a bare day includes the whole day, an instant is used as is. */
export function endOf(value: string): Date {
  const d = startOf(value);
  if (value.length === 10) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

export interface ListCursor {
  createdUs: number;
  id: string;
}

/** Opaque keyset cursor for the job listing: created_at in microseconds + the job id. */
export function encodeCursor(c: ListCursor): string {
  return Buffer.from(`${c.createdUs}.${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): ListCursor {
  const raw = Buffer.from(text, 'base64url').toString('utf8');
  const m = /^(\d{1,17})\.([A-Za-z0-9_]{1,64})$/.exec(raw);
  if (!m) {
    throw new AppError('validation_failed', 'invalid query: cursor: not a cursor returned by this endpoint', {
      errors: [{ field: 'query.cursor', message: 'not a cursor returned by this endpoint' }],
    });
  }
  return { createdUs: Number(m[1]), id: m[2]! };
}

export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
