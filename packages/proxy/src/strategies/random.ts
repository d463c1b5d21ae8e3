import { mulberry32 } from '@switchboard/core';
import type { PickContext, Strategy, Target } from './types.js';

/** Weighted random choice: no state to keep, and with a seed, reproducible. */
export class RandomStrategy implements Strategy {
  readonly name = 'random' as const;
  readonly #rand: () => number;

  constructor(seed?: number) {
    this.#rand = seed === undefined ? Math.random : mulberry32(seed);
  }

  pick<T extends Target>(targets: readonly T[], _ctx: PickContext): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    let total = 0;
    for (let i = 0; i < n; i++) total += (targets[i] as T).effectiveWeight;
    let r = this.#rand() * total;
    for (let i = 0; i < n; i++) {
      const t = targets[i] as T;
      r -= t.effectiveWeight;
      if (r < 0) return t;
    }
    return targets[n - 1];
  }
}
