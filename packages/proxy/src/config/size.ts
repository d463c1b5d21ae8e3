import { z } from 'zod';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)$/i;

/** Parses "256kib", "1mb", "10 MiB" or a plain number of bytes. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = SIZE.exec(value.trim());
  if (!m) throw new Error(`not a size: ${value}`);
  return Math.round(Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number));
}

/** A zod byte size: a number of bytes or a string with a unit; output is bytes. */
export const byteSize = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(SIZE, 'Expected a size such as 256kib, 1mb or a number of bytes'),
  ])
  .transform((v) => parseSize(v));
