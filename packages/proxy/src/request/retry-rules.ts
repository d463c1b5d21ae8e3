import type { Backend } from '../backend.js';
import { proxyError, type CodedError } from '../errors.js';
import type { PickContext } from '../strategies/types.js';
import type { UpstreamPool } from '../upstream-pool.js';
import type { ProxyObserver } from './done-info.js';
import type { RouteRuntime } from './routing.js';

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

/**
 * An HTTP/2 stream the backend did not process: refused (REFUSED_STREAM) or
 * above a GOAWAY's last stream id (RFC 9113 §8.7) — safe to send again.
 */
export const NOT_PROCESSED = 'H2_REFUSED_STREAM';

/** No response head within the first-byte timeout (`timeouts.headers`). */
export const HEADERS_TIMEOUT = 'UND_ERR_HEADERS_TIMEOUT';

/** Failures answered 504 rather than 502. */
function isGatewayTimeout(code: string): boolean {
  return code === HEADERS_TIMEOUT || code === 'UND_ERR_CONNECT_TIMEOUT';
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
  /** Declared safe to repeat beyond the method (a gRPC method in `retries.idempotent_methods`). */
  idempotent: boolean;
  code: string;
}

/**
 * May the request go to another backend (the retry budget aside)? Any method
 * when nothing was sent; else only a body-less idempotent request, after a
 * connection failure or a first-byte timeout — sending it twice is harmless
 * even if the stalled backend gets to it in the end.
 */
function mayRetry(a: FailedAttempt): boolean {
  if (a.attempts > a.maxRetries) return false;
  if (!a.sent) return true;
  if (a.code === NOT_PROCESSED) return !a.hasBody;
  return (
    !a.hasBody &&
    (a.idempotent || IDEMPOTENT.has(a.method)) &&
    (CONNECTION_ERRORS.has(a.code) || a.code === HEADERS_TIMEOUT)
  );
}

/**
 * The proxy's answer when no backend could answer: 504 for timeouts, else
 * 502; a request that is not idempotent and reached a backend that then went
 * silent gets SB_ERR_OUTCOME_UNKNOWN — it may or may not have been applied.
 */
export function upstreamFailure(
  code: string,
  backendId: string,
  attempt: { sent: boolean; method: string },
): CodedError {
  const details = { backend: backendId, reason: code };
  if (code === HEADERS_TIMEOUT && attempt.sent && !IDEMPOTENT.has(attempt.method))
    return proxyError('SB_ERR_OUTCOME_UNKNOWN', undefined, details);
  return proxyError(
    isGatewayTimeout(code) ? 'SB_ERR_GATEWAY_TIMEOUT' : 'SB_ERR_BAD_GATEWAY',
    undefined,
    details,
  );
}

/** A request of either engine, as a retry sees it. */
export interface RetryingRequest extends PickContext {
  tried: Backend[] | undefined;
  readonly pool: UpstreamPool;
  readonly route: RouteRuntime;
  readonly env: ProxyObserver;
}

/**
 * After `failed` failed with `code`: the backend to send the request to next,
 * or undefined when it may not go elsewhere (rules above, retry budget) or no
 * other backend is usable. A backend is returned only with `failed` among the
 * tried ones and the retry reported.
 */
export function retryElsewhere(
  ex: RetryingRequest,
  failed: Backend,
  code: string,
  attempt: { sent: boolean; hasBody: boolean; method: string; idempotent?: boolean },
): Backend | undefined {
  const allowed =
    mayRetry({
      attempts: ex.tried === undefined ? 1 : ex.tried.length + 1,
      maxRetries: ex.pool.config.retries.max_retries,
      code,
      idempotent: false,
      ...attempt,
    }) && ex.pool.retryBudget.tryWithdraw();
  if (!allowed) return undefined;
  const tried = (ex.tried ??= []);
  tried.push(failed);
  const next = ex.pool.pickExcluding(ex, tried);
  if (next === undefined) return undefined;
  ex.env.retried(ex.route.name, failed.id, code);
  return next;
}
