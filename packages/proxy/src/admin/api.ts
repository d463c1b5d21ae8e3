import type { IncomingMessage, ServerResponse } from 'node:http';
import { CodedError, proxyError, sendError } from '../errors.js';
import { bearerMatches } from './auth.js';
import { readJson } from './body.js';
import { routes } from './routes.js';
import type { AdminControl, AdminReply, BodyReader } from './types.js';

export type { AdminControl, AdminReply } from './types.js';

/** Routes one admin request; coded errors become replies. Shared by the HTTP listener and cluster workers. */
export async function runAdmin(
  ctl: AdminControl,
  method: string,
  rawUrl: string,
  body: BodyReader,
): Promise<AdminReply> {
  try {
    const url = new URL(rawUrl, 'http://admin.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    let pathMatched = false;
    for (const [m, pattern, handler] of routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (m !== method) continue;
      const params = match.slice(1).map((s) => decodeURIComponent(s));
      const reply = await handler(ctl, body, params, url.searchParams);
      return {
        status: reply.status,
        type: reply.type ?? 'application/json; charset=utf-8',
        body: typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body),
      };
    }
    return errorReply(
      proxyError(pathMatched ? 'SB_ERR_METHOD_NOT_ALLOWED' : 'SB_ERR_ROUTE_NOT_FOUND'),
    );
  } catch (e) {
    if (e instanceof CodedError) return errorReply(e);
    if (e instanceof URIError) return errorReply(proxyError('SB_ERR_BAD_REQUEST'));
    throw e;
  }
}

export function errorReply(err: CodedError): AdminReply {
  return {
    status: err.status,
    type: 'application/json; charset=utf-8',
    body: JSON.stringify(err.toBody()),
    ...(err.code === 'SB_ERR_UNAUTHENTICATED' ? { headers: { 'www-authenticate': 'Bearer' } } : {}),
  };
}

export function writeReply(res: ServerResponse, reply: AdminReply): void {
  res.writeHead(reply.status, {
    'content-type': reply.type,
    'content-length': Buffer.byteLength(reply.body),
    'cache-control': 'no-store',
    ...reply.headers,
  });
  res.end(reply.body);
}

/** The bearer check: with a token configured every admin request must carry it. */
export function authorized(token: string | undefined, req: IncomingMessage): boolean {
  return token === undefined || bearerMatches(req.headers.authorization, token);
}

/**
 * The admin API over HTTP. The caller decides whether a token is needed at
 * all (a loopback-only listener may run without one).
 */
export async function handleAdmin(
  ctl: AdminControl,
  token: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    if (!authorized(token, req)) {
      writeReply(res, errorReply(proxyError('SB_ERR_UNAUTHENTICATED')));
      return;
    }
    writeReply(res, await runAdmin(ctl, req.method ?? 'GET', req.url ?? '/', () => readJson(req)));
  } catch (e) {
    sendError(res, proxyError('SB_ERR_INTERNAL'));
    throw e;
  }
}
