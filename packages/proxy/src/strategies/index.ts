import { ConsistentHashStrategy } from './consistent-hash.js';
import { IpHashStrategy } from './ip-hash.js';
import { LeastConnectionsStrategy } from './least-connections.js';
import { P2cStrategy } from './p2c.js';
import { RandomStrategy } from './random.js';
import { RoundRobinStrategy } from './round-robin.js';
import { StickyCookieStrategy } from './sticky-cookie.js';
import type { Strategy, StrategyOptions } from './types.js';
import { WeightedRoundRobinStrategy } from './weighted-round-robin.js';

export * from './types.js';

/** Builds a strategy from its config ({name, ...options}). */
export function createStrategy(opts: StrategyOptions): Strategy {
  switch (opts.name) {
    case 'random':
      return new RandomStrategy(opts.seed);
    case 'round-robin':
      return new RoundRobinStrategy();
    case 'weighted-round-robin':
      return new WeightedRoundRobinStrategy();
    case 'least-connections':
      return new LeastConnectionsStrategy();
    case 'p2c':
      return new P2cStrategy(opts.seed);
    case 'ip-hash':
      return new IpHashStrategy();
    case 'consistent-hash':
      return new ConsistentHashStrategy(opts);
    case 'sticky-cookie': {
      const fallbackName = opts.fallback ?? 'round-robin';
      if (fallbackName === 'sticky-cookie')
        throw new Error('sticky-cookie cannot fall back to itself');
      return new StickyCookieStrategy(opts, createStrategy({ ...opts, name: fallbackName }));
    }
  }
}
