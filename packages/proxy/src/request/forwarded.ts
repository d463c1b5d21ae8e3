/**
 * The proxy's own RFC 7239 `Forwarded` element, the same for every engine:
 * `for=<peer>;proto=<http|https>` and, when the request named a host (even an
 * empty one), `;host=<value>`.
 */
export function forwardedElement(peerIp: string, tls: boolean, host: string | undefined): string {
  const mine = `for=${forwardedNode(peerIp)};proto=${tls ? 'https' : 'http'}`;
  return host === undefined ? mine : `${mine};host=${forwardedHostValue(host)}`;
}

/** A node for RFC 7239 `for=`: IPv6 in quoted brackets. */
export function forwardedNode(ip: string): string {
  return ip.includes(':') ? `"[${ip}]"` : ip || 'unknown';
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A token, or a quoted-string when the value is empty or has characters a token may not. */
export function forwardedValue(v: string): string {
  return TOKEN.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
}

// The host is nearly always the same from one request to the next: remember
// the last one. (undefined until the first: '' is a host like any other.)
let lastHost: string | undefined;
let lastHostValue = '';

function forwardedHostValue(host: string): string {
  if (host !== lastHost) {
    lastHostValue = forwardedValue(host);
    lastHost = host;
  }
  return lastHostValue;
}
