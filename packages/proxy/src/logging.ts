import pino, { type Logger } from 'pino';
import type { ProxyConfig } from './config/load.js';

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
