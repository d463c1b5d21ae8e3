import type { PickContext, Strategy, Target } from './types.js';

/** Plain rotation, ignoring weights. */
export class RoundRobinStrategy implements Strategy {
  readonly name = 'round-robin' as const;
  #next = 0;

  pick<T extends Target>(targets: readonly T[], _ctx: PickContext): T | undefined {
    const n = targets.length;
    if (n === 0) return undefined;
    const i = this.#next % n;
    this.#next = (i + 1) % n;
    return targets[i];
  }
}
