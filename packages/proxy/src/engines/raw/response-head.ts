import { COLON, CR, HTAB, LF, SP, TOKEN, VALUE, eqLower, latin1, parseLength } from './chars.js';
import { connectionListed } from '../../request/hop-by-hop.js';
import { addField, newFields } from './field-table.js';

export const R_OTHER = 0;
export const R_CONTENT_LENGTH = 1;
export const R_TRANSFER_ENCODING = 2;
export const R_CONNECTION = 3;
/** Hop-by-hop (and X-Served-By, which only the proxy may set): dropped. */
export const R_DROP = 4;
export const R_DATE = 5;

/** undici's default limit for a response head (node's max header size). */
export const MAX_RESPONSE_HEAD = 16 * 1024;
/** Header lines at most in a response head (the table grows 16, 32, … 1024). */
const MAX_RESPONSE_HEADERS = 1024;

/** An upstream response head, as offsets into the buffer it was read from. */
export class ResponseHead {
  buf: Buffer;
  start = 0;
  end = 0;
  status = 0;
  /** HTTP/1.0 answers are never kept alive. */
  http10 = false;
  reasonStart = 0;
  reasonEnd = 0;
  /** Index of the CR ending the status line. */
  lineEnd = 0;
  count = 0;
  fields = newFields();
  contentLength = -1;
  chunked = false;
  close = false;
  hasDate = false;
  /** From `Keep-Alive: timeout=N`, ms; -1 when absent. */
  keepAliveHint = -1;
  listed: Set<string> | undefined = undefined;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  clear(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.status = 0;
    this.http10 = false;
    this.count = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.close = false;
    this.hasDate = false;
    this.keepAliveHint = -1;
    this.listed = undefined;
  }
}

const HTTP1 = Buffer.from('HTTP/1.', 'latin1');

function kindOf(buf: Buffer, s: number, len: number): number {
  switch (len) {
    case 2:
      return eqLower(buf, s, 'te') ? R_DROP : R_OTHER;
    case 4:
      return eqLower(buf, s, 'date') ? R_DATE : R_OTHER;
    case 7:
      return eqLower(buf, s, 'upgrade') || eqLower(buf, s, 'trailer') ? R_DROP : R_OTHER;
    case 10:
      if (eqLower(buf, s, 'connection')) return R_CONNECTION;
      return eqLower(buf, s, 'keep-alive') ? R_DROP : R_OTHER;
    case 11:
      return eqLower(buf, s, 'x-served-by') ? R_DROP : R_OTHER;
    case 14:
      return eqLower(buf, s, 'content-length') ? R_CONTENT_LENGTH : R_OTHER;
    case 16:
      return eqLower(buf, s, 'proxy-connection') ? R_DROP : R_OTHER;
    case 17:
      return eqLower(buf, s, 'transfer-encoding') ? R_TRANSFER_ENCODING : R_OTHER;
    case 18:
      return eqLower(buf, s, 'proxy-authenticate') ? R_DROP : R_OTHER;
    case 19:
      return eqLower(buf, s, 'proxy-authorization') ? R_DROP : R_OTHER;
    default:
      return R_OTHER;
  }
}

/** An error code when `buf[from..)` holds a bare LF, else undefined. */
export function bareLf(buf: Buffer, from: number): string | undefined {
  let i = buf.indexOf(LF, from);
  while (i !== -1) {
    if (i === 0 || buf[i - 1] !== CR) return 'HPE_LF_EXPECTED';
    i = buf.indexOf(LF, i + 1);
  }
  return undefined;
}

/**
 * Parses a complete response head `buf[start..end)` (`end` just past the blank
 * line). Strict like the request side: CRLF only, token names directly followed
 * by ':', no control characters, one Content-Length of digits, Transfer-Encoding
 * ending in a single `chunked`, never both. Returns an llhttp-style error code
 * for anything else: the upstream answer is then treated as broken (502).
 */
export function parseResponseHead(
  head: ResponseHead,
  buf: Buffer,
  start: number,
  end: number,
): string | undefined {
  head.clear(buf, start, end);
  // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
  const lf = buf.indexOf(LF, start);
  const e = lf - 1;
  if (e - start < 12 || buf[e] !== CR) return 'HPE_INVALID_CONSTANT';
  for (let i = 0; i < 7; i++) if (buf[start + i] !== HTTP1[i]) return 'HPE_INVALID_CONSTANT';
  const minor = buf[start + 7];
  if ((minor !== 0x30 && minor !== 0x31) || buf[start + 8] !== SP) return 'HPE_INVALID_VERSION';
  head.http10 = minor === 0x30;
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return 'HPE_INVALID_STATUS';
    status = status * 10 + d;
  }
  if (status < 100) return 'HPE_INVALID_STATUS';
  head.status = status;
  if (e === start + 12) {
    head.reasonStart = head.reasonEnd = e;
  } else {
    if (buf[start + 12] !== SP) return 'HPE_INVALID_STATUS';
    for (let i = start + 13; i < e; i++) if (VALUE[buf[i]!] === 0) return 'HPE_INVALID_STATUS';
    head.reasonStart = start + 13;
    head.reasonEnd = e;
  }
  head.lineEnd = e;

  let te: string | undefined;
  let lineStart = lf + 1;
  while (lineStart < end - 2) {
    const next = buf.indexOf(LF, lineStart);
    const le = next - 1;
    if (le < lineStart || buf[le] !== CR) return 'HPE_LF_EXPECTED';
    let i = lineStart;
    while (i < le && TOKEN[buf[i]!] === 1) i++;
    if (i === lineStart || i === le || buf[i] !== COLON) return 'HPE_INVALID_HEADER_TOKEN';
    const nameEnd = i++;
    while (i < le && (buf[i] === SP || buf[i] === HTAB)) i++;
    const vs = i;
    for (let k = i; k < le; k++) if (VALUE[buf[k]!] === 0) return 'HPE_INVALID_HEADER_TOKEN';
    let ve = le;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
    const kind = kindOf(buf, lineStart, nameEnd - lineStart);
    switch (kind) {
      case R_CONTENT_LENGTH:
        if (head.contentLength !== -1) return 'HPE_UNEXPECTED_CONTENT_LENGTH';
        head.contentLength = parseLength(buf, vs, ve);
        if (head.contentLength === -1) return 'HPE_INVALID_CONTENT_LENGTH';
        break;
      case R_TRANSFER_ENCODING: {
        const v = latin1(buf, vs, ve);
        te = te === undefined ? v : `${te}, ${v}`;
        break;
      }
      case R_CONNECTION:
        if (ve - vs === 10 && eqLower(buf, vs, 'keep-alive')) break;
        if (ve - vs === 5 && eqLower(buf, vs, 'close')) head.close = true;
        else connectionTokens(head, latin1(buf, vs, ve));
        break;
      case R_DATE:
        head.hasDate = true;
        break;
      case R_DROP:
        if (nameEnd - lineStart === 10) head.keepAliveHint = keepAliveTimeout(buf, vs, ve);
        break;
    }
    if (head.count === MAX_RESPONSE_HEADERS) return 'HPE_HEADER_OVERFLOW';
    addField(head, lineStart, nameEnd, vs, ve, kind);
    lineStart = next + 1;
  }
  if (te !== undefined) {
    if (head.contentLength !== -1) return 'HPE_UNEXPECTED_CONTENT_LENGTH';
    // The last coding must be chunked, and only the last (RFC 9112 §6.1).
    const codings = te.split(',').map((t) => t.trim().toLowerCase());
    const chunkedAt = codings.indexOf('chunked');
    if (
      chunkedAt !== codings.length - 1 ||
      codings.some((t) => !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(t))
    )
      return 'HPE_INVALID_TRANSFER_ENCODING';
    head.chunked = true;
  }
  return undefined;
}

function connectionTokens(head: ResponseHead, value: string): void {
  head.listed = connectionListed(value, head.listed);
  if (value.split(',').some((t) => t.trim().toLowerCase() === 'close')) head.close = true;
}

/** `timeout=N` of a Keep-Alive value, in ms (undici reads the same parameter); -1 if none. */
function keepAliveTimeout(buf: Buffer, s: number, e: number): number {
  // The usual form, "timeout=N" first, without building a string.
  if (e - s > 8 && eqLower(buf, s, 'timeout=')) {
    let n = 0;
    let i = s + 8;
    for (; i < e; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i > s + 8 && (i === e || buf[i] === 0x2c || buf[i] === SP)) return n * 1000;
  }
  const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(latin1(buf, s, e));
  return m ? Number(m[1]) * 1000 : -1;
}
