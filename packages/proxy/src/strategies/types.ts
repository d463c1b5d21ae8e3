/** What a strategy sees of a backend. Strategies only ever get usable ones. */
export interface Target {
  readonly id: string;
  /** Configured weight scaled by slow start; always > 0 for targets handed to a strategy. */
  readonly effectiveWeight: number;
  /** Requests (and WebSockets) in flight on this backend. */
  readonly load: number;
}

/** What a strategy may know about the request. Header names are lower-case. */
export interface PickContext {
  readonly clientIp: string;
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
  /** A sticky strategy sets this to a Set-Cookie value the proxy adds to the response. */
  setCookie: string | undefined;
}

export const STRATEGY_NAMES = [
  'random',
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'p2c',
  'ip-hash',
  'consistent-hash',
  'sticky-cookie',
] as const;

export type StrategyName = (typeof STRATEGY_NAMES)[number];

/**
 * One balancing algorithm. `pick` gets the usable backends (never down, draining
 * or weight 0), in a stable order, and returns one of them (undefined only for an
 * empty list). The array is replaced, never mutated, when the set changes, so a
 * strategy may cache per array.
 */
export interface Strategy {
  readonly name: StrategyName;
  pick<T extends Target>(targets: readonly T[], ctx: PickContext): T | undefined;
}

export interface StrategyOptions {
  name: StrategyName;
  header?: string | undefined;
  cookie?: string | undefined;
  load_factor?: number | undefined;
  virtual_nodes?: number | undefined;
  fallback?: StrategyName | undefined;
  max_age?: number | undefined;
  seed?: number | undefined;
}
