import { normalizeIp, type TrustedProxies } from '../../request/client-address.js';
import { forwardedElement } from '../../request/forwarded.js';
import { connectionListed, dropNamed, isHopByHop } from '../../request/hop-by-hop.js';
import { acceptsRequestId, nextRequestId } from '../../request/request-id.js';
import type { IncomingMessage } from 'node:http';

/**
 * What the proxy knows about the client side of a request, computed once from
 * the raw headers: the forwarded identity and the headers to send upstream.
 */
export interface ClientView {
  clientIp: string;
  peerIp: string;
  requestId: string;
  host: string | undefined;
  /** Upstream header list (name, value, …), hop-by-hop removed, forwarding headers appended. */
  headers: string[];
  hasBody: boolean;
  /** The declared body length; -1 when there is none or it is chunked. */
  contentLength: number;
  /** Why the request must be refused (framing node:http lets through), if it must. */
  invalid: string | undefined;
}

/** Reads the raw request headers once; the hot path never builds `req.headers`. */
export function viewRequest(
  req: IncomingMessage,
  trusted: TrustedProxies,
  tls: boolean,
  forUpgrade: boolean,
): ClientView {
  const raw = req.rawHeaders;
  const peerIp = normalizeIp(req.socket.remoteAddress);
  const peerTrusted = !trusted.empty && trusted.isTrusted(peerIp);
  const out: string[] = [];
  let host: string | undefined;
  let xff: string | undefined;
  let xfp: string | undefined;
  let xfh: string | undefined;
  let fwd: string | undefined;
  let requestId: string | undefined;
  let hasBody = false;
  let contentLength = -1;
  let listed: Set<string> | undefined;
  let upgradeValue: string | undefined;
  let te: string | undefined;
  let dupHost = false;

  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const len = name.length;
    // HTTP/2 (node:http2's compatibility request): pseudo-headers never go upstream; :authority is the host.
    if (name.charCodeAt(0) === 58 /* : */) {
      if (name === ':authority' && host === undefined) {
        host = value;
        out.push('host', value);
      }
      continue;
    }
    // Only names of these lengths need a closer look.
    if (len === 4 && name.toLowerCase() === 'host') {
      if (host !== undefined) dupHost = true;
      host = value;
      out.push(name, value);
      continue;
    }
    if (len === 14 && name.toLowerCase() === 'content-length') {
      if (value !== '0') hasBody = true;
      contentLength = Number(value);
      out.push(name, value);
      continue;
    }
    if (len === 12 && name.toLowerCase() === 'x-request-id') {
      if (requestId === undefined && acceptsRequestId(value)) requestId = value;
      continue;
    }
    if (len === 6 && name.toLowerCase() === 'expect') continue; // answered by node:http
    if (len === 9 && name.toLowerCase() === 'forwarded') {
      if (peerTrusted) fwd = fwd === undefined ? value : `${fwd}, ${value}`;
      continue;
    }
    if (len >= 15 && len <= 17) {
      const l = name.toLowerCase();
      if (l === 'x-forwarded-for') {
        if (peerTrusted) xff = xff === undefined ? value : `${xff}, ${value}`;
        continue;
      }
      if (l === 'x-forwarded-proto') {
        if (peerTrusted) xfp = value;
        continue;
      }
      if (l === 'x-forwarded-host') {
        if (peerTrusted) xfh = value;
        continue;
      }
    }
    if (isHopByHop(name)) {
      const l = name.toLowerCase();
      if (l === 'transfer-encoding') {
        hasBody = true;
        te = te === undefined ? value : `${te}, ${value}`;
      } else if (l === 'connection') listed = connectionListed(value, listed);
      else if (l === 'upgrade') upgradeValue = value;
      continue;
    }
    out.push(name, value);
  }

  // An HTTP/2 request (node:http2's compatibility request, which has a stream; an
  // HTTP/1 request line may say "HTTP/2.0" too) has a body unless its HEADERS ended the stream.
  const h2 = (req as unknown as { stream?: { endAfterHeaders: boolean } }).stream;
  if (h2 !== undefined && !hasBody) hasBody = !h2.endAfterHeaders;
  const headers = listed ? dropNamed(out, listed) : out;
  const clientIp = trusted.clientIp(peerIp, xff);
  const proto = tls ? 'https' : 'http';
  requestId ??= nextRequestId();
  headers.push(
    'x-forwarded-for',
    xff === undefined ? peerIp : `${xff}, ${peerIp}`,
    'x-forwarded-proto',
    xfp ?? proto,
    'x-request-id',
    requestId,
  );
  const fwdHost = xfh ?? host;
  if (fwdHost !== undefined) headers.push('x-forwarded-host', fwdHost);
  const mine = forwardedElement(peerIp, tls, host);
  headers.push('forwarded', fwd === undefined ? mine : `${fwd}, ${mine}`);
  if (forUpgrade && upgradeValue !== undefined) {
    headers.push('connection', 'upgrade', 'upgrade', upgradeValue);
  }
  let invalid: string | undefined;
  // node:http reads a request body of unknown framing until close; a proxy must refuse it.
  if (te !== undefined && !/(?:^|,)[ \t]*chunked[ \t]*$/i.test(te)) invalid = 'transfer-encoding';
  else if (host === undefined && req.httpVersionMinor === 1) invalid = 'missing host';
  else if (dupHost) invalid = 'duplicate host';
  // node:http has vetted the length; with Transfer-Encoding the body is chunked.
  if (te !== undefined) contentLength = -1;
  return { clientIp, peerIp, requestId, host, headers, hasBody, contentLength, invalid };
}
