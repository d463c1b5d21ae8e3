/**
 * Byte classes for the raw HTTP/1.1 parsers (RFC 9110 §5.6.2, RFC 9112 §3).
 * Deliberately narrower than llhttp's lenient defaults: anything outside them
 * is handed to node:http (requests) or treated as a broken upstream (responses).
 */

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
export const COLON = 58;
export const SLASH = 47;

function table(test: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = test(c) ? 1 : 0;
  return t;
}

/** tchar: the characters of a header name or method. */
export const TOKEN = table(
  (c) =>
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)),
);

/** field-vchar, SP and HTAB (obs-text allowed, DEL and other controls not). */
export const VALUE = table((c) => c === HTAB || (c >= 0x20 && c <= 0x7e) || c >= 0x80);

/** Bytes of an origin-form request target: visible ASCII only. */
export const TARGET = table((c) => c > 0x20 && c < 0x7f);

/**
 * Case-insensitive compare of `buf[start..start+lit.length)` with a lower-case
 * literal made of letters and '-' (safe with `| 0x20` for token bytes).
 */
export function eqLower(buf: Buffer, start: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) {
    if ((buf[start + i]! | 0x20) !== lit.charCodeAt(i)) return false;
  }
  return true;
}

/** A decimal Content-Length of 1–15 digits, or -1. */
export function parseLength(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len < 1 || len > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Bytes as a latin1 string (header text is latin1 on the wire, as node reads it). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}
