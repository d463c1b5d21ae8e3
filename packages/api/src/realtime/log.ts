/**
 * The real-time layer's logger: plain messages, plus structured fields for
 * the lines operators (and seed 001's users) grep for. `enabled` lets a hot
 * path skip building a line nobody will see.
 */
export interface RealtimeLog {
  enabled(level: 'info'): boolean;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, err?: unknown): void;
}
