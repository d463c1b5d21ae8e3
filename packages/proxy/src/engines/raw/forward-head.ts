import type { TrustedProxies } from '../../request/client-address.js';
import { forwardedElement } from '../../request/forwarded.js';
import { acceptsRequestId, nextRequestId } from '../../request/request-id.js';
import { latin1 } from './chars.js';
import { HeadBuilder } from './head-builder.js';
import { FIELDS } from './field-table.js';
import {
  K_CONNECTION,
  K_CONTENT_LENGTH,
  K_FORWARDED,
  K_HOP,
  K_HOST,
  K_OTHER,
  K_TRANSFER_ENCODING,
  K_X_REQUEST_ID,
  K_XFF,
  K_XFH,
  K_XFP,
  type RequestHead,
} from './request-head.js';

/** What the raw engine sends upstream for one request, and the identity it derived. */
export interface ForwardView {
  requestId: string;
  clientIp: string;
  /** The request head for the backend, up to (not including) the framing lines. */
  builder: HeadBuilder;
}

/** Methods undici sends `content-length: 0` for when there is no body. */
export function expectsPayload(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/**
 * The upstream head, byte-compatible with what the node engine sends through
 * undici: request line, `host`, `connection`, the client's end-to-end headers in
 * order (hop-by-hop and Connection-named ones removed; X-Forwarded-For/Proto/Host,
 * Forwarded and X-Request-Id replaced or appended exactly as `viewRequest` does), then the
 * forwarding headers. Framing lines and the blank line are added by the caller.
 */
export function forwardHead(
  h: RequestHead,
  path: string,
  peerIp: string,
  trusted: TrustedProxies,
  tls: boolean,
): ForwardView {
  const buf = h.buf;
  const f = h.fields;
  const peerTrusted = !trusted.empty && trusted.isTrusted(peerIp);
  const listed = h.listed;
  let xff: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  let fwd: string | undefined;
  let requestId: string | undefined;
  const b = new HeadBuilder();
  if (path === h.url) b.raw(buf, 0, h.lineEnd + 2);
  else b.str(`${h.method} ${path} HTTP/1.1\r\n`);
  b.str(`host: ${h.host as string}\r\n`);
  // undici closes after HEAD (servers that send a body anyway would poison the connection).
  b.str(h.method === 'HEAD' ? 'connection: close\r\n' : 'connection: keep-alive\r\n');
  for (let i = 0; i < h.count; i++) {
    const o = i * FIELDS;
    const kind = f[o + 4];
    if (kind === K_OTHER) {
      if (listed !== undefined && listed.has(latin1(buf, f[o]!, f[o + 1]!).toLowerCase())) continue;
      b.field(h, i);
      continue;
    }
    if (
      kind === K_HOST ||
      kind === K_CONTENT_LENGTH ||
      kind === K_TRANSFER_ENCODING ||
      kind === K_CONNECTION ||
      kind === K_HOP
    )
      continue;
    const value = latin1(buf, f[o + 2]!, f[o + 3]!);
    switch (kind) {
      case K_X_REQUEST_ID:
        if (requestId === undefined && acceptsRequestId(value)) requestId = value;
        break;
      case K_FORWARDED:
        if (peerTrusted) fwd = fwd === undefined ? value : `${fwd}, ${value}`;
        break;
      case K_XFF:
        if (peerTrusted) xff = xff === undefined ? value : `${xff}, ${value}`;
        break;
      case K_XFP:
        if (peerTrusted) xfp = value;
        break;
      case K_XFH:
        if (peerTrusted) xfh = value;
        break;
    }
  }
  const host = h.host as string;
  const clientIp = trusted.clientIp(peerIp, xff);
  const proto = tls ? 'https' : 'http';
  requestId ??= nextRequestId();
  const mine = forwardedElement(peerIp, tls, host);
  b.str(
    `x-forwarded-for: ${xff === undefined ? peerIp : `${xff}, ${peerIp}`}\r\n` +
      `x-forwarded-proto: ${xfp ?? proto}\r\n` +
      `x-request-id: ${requestId}\r\n` +
      `x-forwarded-host: ${xfh ?? host}\r\n` +
      `forwarded: ${fwd === undefined ? mine : `${fwd}, ${mine}`}\r\n`,
  );
  return { requestId, clientIp, builder: b };
}
