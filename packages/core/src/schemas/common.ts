import { z } from 'zod';

/** Ids of users, boards, columns and tasks: bigint identity values, safe as JS numbers. */
export const idSchema = z.int().positive().meta({ description: 'Integer id' });

/** An id taken from a path segment or a query string. */
export const idParamSchema = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a positive integer id')
  .transform(Number);

export const timestampSchema = z.iso.datetime({ offset: true });

/** Versions start at 1 and grow by one on every change of the row. */
export const versionSchema = z.int().positive();

export const eventIdSchema = z.uuid();

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Free text as stored: no NUL characters (PostgreSQL text cannot hold them)
 * and no lone surrogates (they cannot be encoded as UTF-8 and would be mangled).
 */
export const textSchema = z
  .string()
  .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters')
  .refine((s) => !loneSurrogate.test(s), 'must be valid Unicode (no lone surrogates)');

/** A calendar date, YYYY-MM-DD (a real one: 2026-02-30 is refused). */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'must be a real calendar date');

/** A time of day, HH:MM (or HH:MM:SS, HH:MM:SS.sss), 24-hour. */
export const timeOfDaySchema = z
  .string()
  .regex(
    /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{3})?)?$/,
    'must be a time as HH:MM (24-hour), optionally with :SS or :SS.sss',
  );

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name such as Europe/Berlin (or UTC). */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');

/** Pagination bounds from a query string: a positive integer up to `max`. */
export function pageLimitSchema(max: number) {
  return z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().max(max));
}

/** A seq (or id) cursor from a query string. */
export const cursorParamSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a non-negative integer')
  .transform(Number);
