import { STATUS_CODES } from 'node:http';
import { errorBodyJson, type CodedError } from '../../errors.js';

/**
 * Response heads the raw engine writes itself, byte for byte as node:http's
 * ServerResponse would have written them for the same call (header order,
 * names as given, then `Date`, then `Connection`/`Keep-Alive`), so clients see
 * no difference between the two engines.
 */

let dateCache: string | undefined;

/** The Date header value, cached for the rest of the current second (as node does). */
export function utcDate(): string {
  if (dateCache === undefined) {
    const d = new Date();
    dateCache = d.toUTCString();
    setTimeout(() => (dateCache = undefined), 1000 - d.getMilliseconds()).unref();
  }
  return dateCache;
}

const connectionCache = new Map<number, string>();

/** What node appends for a keep-alive (or closing) HTTP/1.1 response. */
export function connectionLines(keepAlive: boolean, keepAliveTimeoutMs: number): string {
  if (!keepAlive) return 'Connection: close\r\n';
  let s = connectionCache.get(keepAliveTimeoutMs);
  if (s === undefined) {
    s = 'Connection: keep-alive\r\n';
    if (keepAliveTimeoutMs) s += `Keep-Alive: timeout=${Math.floor(keepAliveTimeoutMs / 1000)}\r\n`;
    connectionCache.set(keepAliveTimeoutMs, s);
  }
  return s;
}

export function statusLine(status: number, reason?: string): string {
  return `HTTP/1.1 ${status} ${reason || STATUS_CODES[status] || 'unknown'}\r\n`;
}

export interface Written {
  bytes: Buffer;
  /** The connection must close after this response (it said `connection: close`). */
  close: boolean;
}

/**
 * A complete response with a known body: `headers` are name/value pairs in
 * the order node would emit them; a `connection` header among them replaces
 * node's own Connection/Keep-Alive lines.
 */
export function simpleResponse(
  status: number,
  headers: readonly string[],
  body: string | undefined,
  keepAlive: boolean,
  keepAliveTimeoutMs: number,
): Written {
  let head = statusLine(status);
  let hasDate = false;
  let connection: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    const l = name.length;
    if (l === 4 && name.toLowerCase() === 'date') hasDate = true;
    if (l === 10 && name.toLowerCase() === 'connection') connection = value;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasDate) head += `Date: ${utcDate()}\r\n`;
  let close = !keepAlive;
  if (connection === undefined) head += connectionLines(keepAlive, keepAliveTimeoutMs);
  else close = /(?:^|\W)close(?:$|\W)/i.test(connection);
  head += '\r\n';
  // Heads are latin1 on the wire (as node writes them), bodies utf8.
  const h = Buffer.from(head, 'latin1');
  const bytes = body === undefined ? h : Buffer.concat([h, Buffer.from(body, 'utf8')]);
  return { bytes, close };
}

/**
 * What `sendError(res, err, extra)` writes, after `preset` headers were set on
 * the response with setHeader (they come first). HEAD gets no body.
 */
export function codedErrorResponse(
  err: CodedError,
  preset: readonly string[],
  extra: readonly string[],
  isHead: boolean,
  keepAlive: boolean,
  keepAliveTimeoutMs: number,
): Written {
  const body = errorBodyJson(err);
  const headers = [
    ...preset,
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    ...extra,
  ];
  return simpleResponse(
    err.status,
    headers,
    isHead ? undefined : body,
    keepAlive,
    keepAliveTimeoutMs,
  );
}
