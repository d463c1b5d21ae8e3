import pino, { type Logger } from 'pino';
import type { ProxyConfig } from './config/load.js';
import type { DoneInfo } from './request/done-info.js';

export type { Logger };

/**
 * The proxy's logger: JSON lines on stdout. Asynchronous (buffered) so the
 * access log costs the hot path little; flushed on close.
 */
export function createLogger(config: ProxyConfig): Logger {
  return pino(
    { level: config.log.level, base: { component: 'proxy' } },
    pino.destination({ sync: false, minLength: 4096 }),
  );
}

/** One access-log line: request id, method, path, route, backend, status, duration, bytes. */
export function logAccess(log: Logger, info: DoneInfo): void {
  log.info(
    {
      req_id: info.requestId,
      method: info.method,
      path: info.path,
      route: info.route,
      backend: info.backend,
      status: info.status,
      ms: Math.round(info.durationMs * 100) / 100,
      bytes: info.bytes,
      ip: info.clientIp,
      retries: info.retries || undefined,
      err: info.error,
    },
    'request',
  );
}
