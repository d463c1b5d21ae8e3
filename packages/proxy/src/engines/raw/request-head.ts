import {
  COLON,
  CR,
  HTAB,
  LF,
  SLASH,
  SP,
  TARGET,
  TOKEN,
  VALUE,
  eqLower,
  latin1,
  parseLength,
} from './chars.js';
import { FIELDS, addField, newFields } from './field-table.js';

/** Header kinds the proxy acts on; everything else is passed through untouched. */
export const K_OTHER = 0;
export const K_HOST = 1;
export const K_CONTENT_LENGTH = 2;
export const K_TRANSFER_ENCODING = 3;
export const K_CONNECTION = 4;
/** Other hop-by-hop headers: dropped. */
export const K_HOP = 5;
export const K_X_REQUEST_ID = 6;
export const K_FORWARDED = 7;
export const K_XFF = 8;
export const K_XFP = 9;
export const K_XFH = 10;

/** More headers than this: node:http decides (it keeps up to 2000). */
export const MAX_HEADERS = 100;

export const NEED_MORE = 0;
export const DONE = 1;
/** Not something this parser vouches for: node:http must judge the request. */
export const FALLBACK = 2;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE'] as const;
const METHOD_BYTES = METHODS.map((m) => Buffer.from(m, 'latin1'));
const HTTP11 = Buffer.from(' HTTP/1.1', 'latin1');
const EMPTY = Buffer.alloc(0);

/** node:http keeps the first of these when repeated (IncomingMessage#headers). */
const FIRST_WINS = new Set([
  'age',
  'host',
  'from',
  'etag',
  'server',
  'referer',
  'expires',
  'location',
  'user-agent',
  'retry-after',
  'content-type',
  'max-forwards',
  'authorization',
  'last-modified',
  'content-length',
  'if-modified-since',
  'proxy-authorization',
  'if-unmodified-since',
]);

/** A request head the raw engine accepted: HTTP/1.1, origin-form, one Host, unambiguous framing. */
export class RequestHead {
  /** The request's bytes from its first one (rebound when more arrive). */
  buf: Buffer;
  /** Index just past the blank line ending the head. */
  end = 0;
  method = '';
  /** The request target as sent (path and query). */
  url = '';
  /** Index of the CR ending the request line. */
  lineEnd = 0;
  count = 0;
  fields = newFields();
  host: string | undefined = undefined;
  hosts = 0;
  /** -1: no Content-Length. */
  contentLength = -1;
  chunked = false;
  /** The client asked to close after this exchange (Connection: close). */
  close = false;
  /** Extra header names listed in Connection, lower-cased. */
  listed: Set<string> | undefined = undefined;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Ready for the connection's next request (one object per connection, reused). */
  clear(buf: Buffer): void {
    this.buf = buf;
    this.end = 0;
    this.method = '';
    this.url = '';
    this.lineEnd = 0;
    this.count = 0;
    this.host = undefined;
    this.hosts = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.close = false;
    this.listed = undefined;
  }

  get hasBody(): boolean {
    return this.chunked || this.contentLength > 0;
  }

  /** The path without the query string. */
  get path(): string {
    const q = this.url.indexOf('?');
    return q === -1 ? this.url : this.url.slice(0, q);
  }

  /** A header as node:http's `req.headers[name]` would give it (first of an array). */
  headerValue(lowerName: string): string | undefined {
    const f = this.fields;
    const buf = this.buf;
    const len = lowerName.length;
    const sep = lowerName === 'cookie' ? '; ' : ', ';
    const single = FIRST_WINS.has(lowerName) || lowerName === 'set-cookie';
    let out: string | undefined;
    for (let i = 0; i < this.count; i++) {
      const o = i * FIELDS;
      const start = f[o]!;
      if (f[o + 1]! - start !== len || !sameName(buf, start, lowerName)) continue;
      const v = latin1(buf, f[o + 2]!, f[o + 3]!);
      if (out === undefined) out = v;
      else if (!single) out += sep + v;
      else break;
    }
    return out;
  }
}

function sameName(buf: Buffer, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = buf[start + i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function kindOf(buf: Buffer, s: number, len: number): number {
  switch (len) {
    case 2:
      return eqLower(buf, s, 'te') ? K_HOP : K_OTHER;
    case 4:
      return eqLower(buf, s, 'host') ? K_HOST : K_OTHER;
    case 6:
      return eqLower(buf, s, 'expect') ? -1 : K_OTHER;
    case 7:
      if (eqLower(buf, s, 'upgrade')) return -1;
      return eqLower(buf, s, 'trailer') ? K_HOP : K_OTHER;
    case 9:
      return eqLower(buf, s, 'forwarded') ? K_FORWARDED : K_OTHER;
    case 10:
      if (eqLower(buf, s, 'connection')) return K_CONNECTION;
      return eqLower(buf, s, 'keep-alive') ? K_HOP : K_OTHER;
    case 12:
      return eqLower(buf, s, 'x-request-id') ? K_X_REQUEST_ID : K_OTHER;
    case 14:
      return eqLower(buf, s, 'content-length') ? K_CONTENT_LENGTH : K_OTHER;
    case 15:
      return eqLower(buf, s, 'x-forwarded-for') ? K_XFF : K_OTHER;
    case 16:
      // llhttp reads it as Connection (close included): node's call.
      if (eqLower(buf, s, 'proxy-connection')) return -1;
      return eqLower(buf, s, 'x-forwarded-host') ? K_XFH : K_OTHER;
    case 17:
      if (eqLower(buf, s, 'transfer-encoding')) return K_TRANSFER_ENCODING;
      return eqLower(buf, s, 'x-forwarded-proto') ? K_XFP : K_OTHER;
    case 18:
      return eqLower(buf, s, 'proxy-authenticate') ? K_HOP : K_OTHER;
    case 19:
      return eqLower(buf, s, 'proxy-authorization') ? K_HOP : K_OTHER;
    default:
      return K_OTHER;
  }
}

/**
 * A strict, incremental HTTP/1.1 request-head parser. It accepts only what it
 * fully understands — one of eight methods, an origin-form target of visible
 * ASCII, exactly `HTTP/1.1`, CRLF line endings, token names directly followed by
 * a colon, values without controls, at most one Content-Length (digits only),
 * at most one Transfer-Encoding (exactly `chunked`) and never both, exactly one
 * Host, no Upgrade, Expect or Proxy-Connection. Everything else is FALLBACK: node:http (llhttp
 * plus the proxy's own checks) then judges the very same bytes, so this parser
 * can only ever be stricter than the node path, never looser.
 */
export class HeadParser {
  /**
   * One head per connection, reused: a connection parses its next request only
   * once the previous one is answered, so nothing still reads the old one.
   */
  readonly #head = new RequestHead(EMPTY);
  #started = false;
  #lineStart = 0;
  #checked = 0;

  reset(): void {
    this.#started = false;
    this.#lineStart = 0;
    this.#checked = 0;
  }

  /** The head once feed() said DONE. */
  take(): RequestHead {
    this.reset();
    return this.#head;
  }

  /** Looks at `buf` (all bytes of this request so far, from its first byte). */
  feed(buf: Buffer, maxSize: number): number {
    const head = this.#head;
    // Offsets count from the request's first byte, so a grown buffer is simply rebound.
    if (!this.#started) {
      head.clear(buf);
      this.#started = true;
    } else head.buf = buf;
    let lineStart = this.#lineStart;
    for (;;) {
      const lf = buf.indexOf(LF, Math.max(lineStart, this.#checked));
      if (lf === -1) break;
      const lineEnd = lf - 1;
      if (lineEnd < lineStart || buf[lineEnd] !== CR) return FALLBACK; // bare LF
      if (lineEnd === lineStart) {
        // The blank line: a leading one (before the request line) is node's call.
        if (head.lineEnd === 0) return FALLBACK;
        head.end = lf + 1;
        if (head.end > maxSize) return FALLBACK;
        return finish(head);
      }
      const ok =
        head.lineEnd === 0
          ? requestLine(head, buf, lineStart, lineEnd)
          : headerLine(head, buf, lineStart, lineEnd);
      if (!ok) return FALLBACK;
      lineStart = lf + 1;
      this.#lineStart = lineStart;
      this.#checked = lineStart;
    }
    if (buf.length > maxSize) return FALLBACK;
    // Judge the unfinished line now, as llhttp would, so garbage is refused at once.
    const from = Math.max(lineStart, this.#checked);
    for (let i = from; i < buf.length; i++) {
      const c = buf[i]!;
      if (VALUE[c] === 0 && !(c === CR && i === buf.length - 1)) return FALLBACK;
    }
    this.#checked = buf.length;
    if (head.lineEnd === 0 && !couldBeMethod(buf, lineStart, buf.length)) return FALLBACK;
    return NEED_MORE;
  }
}

function finish(head: RequestHead): number {
  if (head.hosts !== 1) return FALLBACK;
  if (head.chunked && head.contentLength !== -1) return FALLBACK;
  return DONE;
}

function couldBeMethod(buf: Buffer, start: number, end: number): boolean {
  const sp = buf.indexOf(SP, start);
  const stop = sp === -1 || sp > end ? end : sp;
  const text = latin1(buf, start, Math.min(stop, start + 8));
  return METHODS.some((m) => (sp === -1 ? m.startsWith(text) : m === text));
}

function sameBytes(buf: Buffer, at: number, lit: Buffer): boolean {
  for (let i = 0; i < lit.length; i++) if (buf[at + i] !== lit[i]) return false;
  return true;
}

function requestLine(head: RequestHead, buf: Buffer, s: number, e: number): boolean {
  let method: string | undefined;
  let sp = -1;
  for (let m = 0; m < METHODS.length; m++) {
    const bytes = METHOD_BYTES[m] as Buffer;
    if (buf[s + bytes.length] === SP && sameBytes(buf, s, bytes)) {
      method = METHODS[m];
      sp = s + bytes.length;
      break;
    }
  }
  if (method === undefined || sp >= e) return false;
  let i = sp + 1;
  if (buf[i] !== SLASH) return false;
  while (i < e && TARGET[buf[i]!] === 1) i++;
  // Exactly one SP, then exactly "HTTP/1.1".
  if (e - i !== 9 || !sameBytes(buf, i, HTTP11)) return false;
  head.method = method;
  head.url = latin1(buf, sp + 1, i);
  head.lineEnd = e;
  return true;
}

function headerLine(head: RequestHead, buf: Buffer, s: number, e: number): boolean {
  // A leading SP/HTAB would be obs-fold; a non-token byte before ':' (SP included) is refused.
  let i = s;
  while (i < e && TOKEN[buf[i]!] === 1) i++;
  if (i === s || i === e || buf[i] !== COLON) return false;
  const nameEnd = i++;
  while (i < e && (buf[i] === SP || buf[i] === HTAB)) i++;
  const valueStart = i;
  for (let k = i; k < e; k++) if (VALUE[buf[k]!] === 0) return false;
  let valueEnd = e;
  while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB))
    valueEnd--;
  if (head.count === MAX_HEADERS) return false;
  const kind = kindOf(buf, s, nameEnd - s);
  if (kind === -1) return false;
  switch (kind) {
    case K_HOST:
      head.hosts++;
      head.host = latin1(buf, valueStart, valueEnd);
      break;
    case K_CONTENT_LENGTH:
      if (head.contentLength !== -1) return false;
      head.contentLength = parseLength(buf, valueStart, valueEnd);
      if (head.contentLength === -1) return false;
      break;
    case K_TRANSFER_ENCODING:
      if (head.chunked || valueEnd - valueStart !== 7 || !eqLower(buf, valueStart, 'chunked'))
        return false;
      head.chunked = true;
      break;
    case K_CONNECTION:
      if (!connectionTokens(head, buf, valueStart, valueEnd)) return false;
      break;
  }
  addField(head, s, nameEnd, valueStart, valueEnd, kind);
  return true;
}

/** Connection: close / keep-alive, plus header names to drop; `upgrade` or an odd token → node. */
function connectionTokens(head: RequestHead, buf: Buffer, s: number, e: number): boolean {
  let i = s;
  while (i <= e) {
    let j = i;
    while (j < e && buf[j] !== 0x2c /* , */) j++;
    let a = i;
    let b = j;
    while (a < b && (buf[a] === SP || buf[a] === HTAB)) a++;
    while (b > a && (buf[b - 1] === SP || buf[b - 1] === HTAB)) b--;
    if (b - a === 10 && eqLower(buf, a, 'keep-alive')) {
      // The usual value: nothing to do.
    } else if (b - a === 5 && eqLower(buf, a, 'close')) {
      head.close = true;
    } else if (a < b) {
      for (let k = a; k < b; k++) if (TOKEN[buf[k]!] === 0) return false;
      const t = latin1(buf, a, b).toLowerCase();
      if (t === 'close') head.close = true;
      else if (t === 'upgrade') return false;
      else if (t !== 'keep-alive') {
        // Dropping these would change the framing or the target: node's call.
        if (t === 'host' || t === 'content-length' || t === 'transfer-encoding') return false;
        (head.listed ??= new Set()).add(t);
      }
    }
    i = j + 1;
  }
  return true;
}
