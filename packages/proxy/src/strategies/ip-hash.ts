import { fmix32, hash32 } from './hash.js';
import type { PickContext, Strategy, Target } from './types.js';

/**
 * Client IP affinity by weighted rendezvous hashing: each backend scores
 * hash(ip, id) and the best score wins. When a backend leaves only its own
 * clients move; when it returns they come back.
 */
export class IpHashStrategy implements Strategy {
  readonly name = 'ip-hash' as const;
  #idHashes = new Map<string, number>();

  pick<T extends Target>(targets: readonly T[], ctx: PickContext): T | undefined {
    return rendezvous(targets, hash32(ctx.clientIp), this.#idHashes);
  }
}

export function rendezvous<T extends Target>(
  targets: readonly T[],
  keyHash: number,
  cache: Map<string, number>,
): T | undefined {
  const n = targets.length;
  if (n <= 1) return targets[0];
  let best: T | undefined;
  let bestScore = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = targets[i] as T;
    let idHash = cache.get(t.id);
    if (idHash === undefined) {
      idHash = hash32(t.id);
      cache.set(t.id, idHash);
    }
    // Uniform in (0, 1); -w / ln(u) is the weighted rendezvous score.
    const u = (fmix32((keyHash ^ idHash) >>> 0) + 1) / 4294967297;
    const score = -t.effectiveWeight / Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = t;
    }
  }
  return best;
}
