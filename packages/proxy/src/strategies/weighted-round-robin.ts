import type { PickContext, Strategy, Target } from './types.js';

/**
 * nginx's smooth weighted round-robin: every pick adds each weight to its
 * current value, takes the largest and subtracts the total from it. Weights
 * 5:1:1 give a, a, b, a, c, a, a — exact proportions, spread out.
 */
export class WeightedRoundRobinStrategy implements Strategy {
  readonly name = 'weighted-round-robin' as const;
  #current = new Map<string, number>();
  #lastTargets: readonly Target[] | undefined;

  pick<T extends Target>(targets: readonly T[], _ctx: PickContext): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    if (targets !== this.#lastTargets) this.#prune(targets);
    let total = 0;
    let best: T | undefined;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = targets[i] as T;
      const w = t.effectiveWeight;
      const value = (this.#current.get(t.id) ?? 0) + w;
      this.#current.set(t.id, value);
      total += w;
      if (value > bestValue) {
        bestValue = value;
        best = t;
      }
    }
    if (best) this.#current.set(best.id, bestValue - total);
    return best;
  }

  // Forget backends that left, so one that returns starts fresh.
  #prune(targets: readonly Target[]): void {
    this.#lastTargets = targets;
    const ids = new Set(targets.map((t) => t.id));
    for (const id of this.#current.keys()) if (!ids.has(id)) this.#current.delete(id);
  }
}
