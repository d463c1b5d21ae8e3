import { CodedError, errorFactory, type ErrorRegistry } from '@switchboard/core';
import type { ServerResponse } from 'node:http';

/**
 * The proxy's one registry of coded errors. docs/proxy.md lists every code with
 * its status, and test/errors.test.ts keeps the two in step. Codes that mean
 * the same as core's reuse core's names.
 */
export const proxyErrors = {
  SB_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  SB_ERR_VALIDATION: { status: 400, message: 'The request does not match the expected shape.' },
  SB_ERR_MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  SB_ERR_UNAUTHENTICATED: {
    status: 401,
    message: 'A valid admin bearer token is required.',
  },
  SB_ERR_NOT_FOUND: { status: 404, message: 'Not found.' },
  SB_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this request.' },
  SB_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route.' },
  SB_ERR_REQUEST_TIMEOUT: {
    status: 408,
    message: 'The request was not received in time.',
  },
  SB_ERR_CONFLICT: { status: 409, message: 'The change conflicts with the current state.' },
  SB_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  SB_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.' },
  SB_ERR_HEADERS_TOO_LARGE: {
    status: 431,
    message: 'The request headers are too large.',
  },
  SB_ERR_INTERNAL: { status: 500, message: 'Internal error.' },
  SB_ERR_BAD_GATEWAY: { status: 502, message: 'The upstream server could not be reached.' },
  SB_ERR_NO_BACKEND: { status: 503, message: 'No healthy backend is available.' },
  SB_ERR_UNAVAILABLE: { status: 503, message: 'The proxy is overloaded; retry shortly.' },
  SB_ERR_GATEWAY_TIMEOUT: {
    status: 504,
    message: 'The upstream server did not answer in time.',
  },
  SB_ERR_DEADLINE_EXCEEDED: {
    status: 504,
    message: "The call's deadline (grpc-timeout) passed before the backend answered.",
  },
  SB_ERR_OUTCOME_UNKNOWN: {
    status: 504,
    message:
      'The upstream server took the request but did not answer in time; it may or may not have been applied.',
  },
} as const satisfies ErrorRegistry;

export type ProxyErrorCode = keyof typeof proxyErrors;

export const proxyError = errorFactory(proxyErrors);

/** The exact bytes of a coded error body, cached for the codes the hot path sends. */
const bodyCache = new Map<string, string>();

export function errorBodyJson(err: CodedError): string {
  if (
    err.details === undefined &&
    err.message === proxyErrors[err.code as ProxyErrorCode]?.message
  ) {
    let cached = bodyCache.get(err.code);
    if (cached === undefined) {
      cached = JSON.stringify(err.toBody());
      bodyCache.set(err.code, cached);
    }
    return cached;
  }
  return JSON.stringify(err.toBody());
}

/** Writes a coded error unless the response has already started. */
export function sendError(
  res: ServerResponse,
  err: CodedError,
  extraHeaders?: Record<string, string | number>,
): void {
  if (res.headersSent) {
    // Someone already answered (e.g. a parse error mid-body): cut only an unfinished response.
    if (!res.writableEnded) res.destroy();
    return;
  }
  const body = errorBodyJson(err);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extraHeaders,
  };
  res.writeHead(err.status, headers);
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** A raw HTTP/1.1 response for sockets node:http has given up on (clientError). */
export function rawErrorResponse(err: CodedError, extra: Record<string, string> = {}): string {
  const body = errorBodyJson(err);
  let head = '';
  for (const [k, v] of Object.entries(extra)) head += `${k}: ${v}\r\n`;
  return (
    `HTTP/1.1 ${err.status} ${statusText(err.status)}\r\n` +
    head +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

function statusText(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 408:
      return 'Request Timeout';
    case 413:
      return 'Payload Too Large';
    case 429:
      return 'Too Many Requests';
    case 431:
      return 'Request Header Fields Too Large';
    case 502:
      return 'Bad Gateway';
    case 503:
      return 'Service Unavailable';
    case 404:
      return 'Not Found';
    default:
      return 'Error';
  }
}

export { CodedError };
