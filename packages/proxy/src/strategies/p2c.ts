import { mulberry32 } from '@switchboard/core';
import type { PickContext, Strategy, Target } from './types.js';

/**
 * Power of two choices, least request (Envoy's default): sample two distinct
 * backends at random, keep the one with fewer in-flight requests per weight.
 */
export class P2cStrategy implements Strategy {
  readonly name = 'p2c' as const;
  readonly #rand: () => number;

  constructor(seed?: number) {
    this.#rand = seed === undefined ? Math.random : mulberry32(seed);
  }

  pick<T extends Target>(targets: readonly T[], _ctx: PickContext): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    const i = Math.floor(this.#rand() * n);
    let j = Math.floor(this.#rand() * (n - 1));
    if (j >= i) j++;
    const a = targets[i] as T;
    const b = targets[j] as T;
    return b.load / b.effectiveWeight < a.load / a.effectiveWeight ? b : a;
  }
}
