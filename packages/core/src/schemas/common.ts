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
