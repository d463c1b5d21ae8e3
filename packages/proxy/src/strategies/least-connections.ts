import type { PickContext, Strategy, Target } from './types.js';

/** Fewest in-flight requests per unit of weight; ties rotate so idle pools still spread. */
export class LeastConnectionsStrategy implements Strategy {
  readonly name = 'least-connections' as const;
  #offset = 0;

  pick<T extends Target>(targets: readonly T[], _ctx: PickContext): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    const start = this.#offset % n;
    this.#offset = (start + 1) % n;
    let best: T | undefined;
    let bestScore = Infinity;
    for (let k = 0; k < n; k++) {
      const t = targets[(start + k) % n] as T;
      const score = t.load / t.effectiveWeight;
      if (score < bestScore) {
        bestScore = score;
        best = t;
      }
    }
    return best;
  }
}
