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
