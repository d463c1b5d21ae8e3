import type { Backend } from '../backend.js';
import { proxyError, type CodedError } from '../errors.js';
import type { PickContext } from '../strategies/types.js';
import type { UpstreamPool } from '../upstream-pool.js';
import type { ForwardEnv } from './exchange-types.js';
import type { RouteRuntime } from './router.js';

/** Methods whose request may be sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Failures after which an idempotent, body-less request may safely go elsewhere. */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** Failures answered 504 rather than 502. */
function isGatewayTimeout(code: string): boolean {
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/** Timeouts are never retried: the backend may still be working on the request. */
function isUpstreamTimeout(code: string): boolean {
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/** What both engines know about a failed attempt when deciding on a retry. */
interface FailedAttempt {
  /** Backends tried so far, this one included. */
  attempts: number;
  maxRetries: number;
  /** The request reached an upstream socket (undici's onConnect). */
  sent: boolean;
  hasBody: boolean;
  method: string;
  code: string;
}

/**
 * May the request go to another backend (the retry budget aside)? Never after
 * a timeout (the backend may still be working on it); any method when nothing
 * was sent; else only a body-less idempotent request after a connection failure.
 */
function mayRetry(a: FailedAttempt): boolean {
  if (a.attempts > a.maxRetries) return false;
  if (isUpstreamTimeout(a.code)) return false;
  if (!a.sent) return true;
  return !a.hasBody && IDEMPOTENT.has(a.method) && CONNECTION_ERRORS.has(a.code);
}

/** The proxy's answer when no backend could answer: 504 for timeouts, else 502. */
export function upstreamFailure(code: string, backendId: string): CodedError {
  return proxyError(
    isGatewayTimeout(code) ? 'SB_ERR_GATEWAY_TIMEOUT' : 'SB_ERR_BAD_GATEWAY',
    undefined,
    {
      backend: backendId,
      reason: code,
    },
  );
}

/** A request of either engine, as a retry sees it. */
export interface RetryingRequest extends PickContext {
  tried: Backend[] | undefined;
  readonly pool: UpstreamPool;
  readonly route: RouteRuntime;
  readonly env: ForwardEnv;
}

/**
 * After `failed` failed with `code`: the backend to send the request to next,
 * or undefined when it may not go elsewhere (rules above, retry budget) or no
 * other backend is usable. A backend is returned only with the books moved:
 * `failed` joins `tried`, no longer counts the request active, and the retry
 * is reported.
 */
export function retryElsewhere(
  ex: RetryingRequest,
  failed: Backend,
  code: string,
  attempt: { sent: boolean; hasBody: boolean; method: string },
): Backend | undefined {
  const allowed =
    mayRetry({
      attempts: ex.tried === undefined ? 1 : ex.tried.length + 1,
      maxRetries: ex.pool.config.retries.max_retries,
      code,
      ...attempt,
    }) && ex.pool.retryBudget.tryWithdraw();
  if (!allowed) return undefined;
  const tried = (ex.tried ??= []);
  tried.push(failed);
  const next = ex.pool.pickExcluding(ex, tried);
  if (next === undefined) return undefined;
  failed.activeRequests--;
  ex.env.retried(ex.route.name, failed.id, code);
  return next;
}
