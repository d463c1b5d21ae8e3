import type { IncomingMessage } from 'node:http';
import { sessionCookieName } from '../../http/session-cookie.js';

export interface UpgradeCredentials {
  token: string | undefined;
  /** Where it came from; a cookie is ambient, so it is only believed from an allowed origin. */
  source: 'header' | 'query' | 'cookie' | 'none';
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw) || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The session token of an upgrade request: Authorization header, then ?token=, then the cookie. */
export function upgradeCredentials(request: IncomingMessage, url: URL): UpgradeCredentials {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1]) return { token: match[1], source: 'header' };
  }
  const query = url.searchParams.get('token');
  if (query) return { token: query, source: 'query' };
  const cookie = cookieValue(request.headers.cookie, sessionCookieName);
  if (cookie) return { token: cookie, source: 'cookie' };
  return { token: undefined, source: 'none' };
}

/**
 * Cross-site WebSocket hijacking guard: browsers send cookies with a
 * cross-origin handshake, so a cookie only counts when the page's Origin is
 * this host (directly or as forwarded by the proxy) or an allowed CORS origin.
 * Non-browser clients send no Origin.
 */
export function originAllowed(request: IncomingMessage, corsOrigins: '*' | string[]): boolean {
  const origin = request.headers.origin;
  if (!origin || corsOrigins === '*') return true;
  if (corsOrigins.includes(origin)) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = request.headers['x-forwarded-host'];
  const hosts = [request.headers.host, ...(Array.isArray(forwarded) ? forwarded : [forwarded])];
  return hosts.some((h) => h !== undefined && h.split(',')[0]?.trim().toLowerCase() === host);
}
