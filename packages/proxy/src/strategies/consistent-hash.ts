import { hash32 } from './hash.js';
import type { PickContext, Strategy, Target } from './types.js';

interface Ring {
  points: Uint32Array;
  owners: number[];
}

/**
 * Consistent hashing with bounded loads (Mirrokni et al., as in HAProxy's
 * hash-balance-factor): a ring of virtual nodes; a key goes to the first
 * backend clockwise whose in-flight load stays under load_factor × mean.
 * The key is a header or cookie value, else the client IP.
 */
export class ConsistentHashStrategy implements Strategy {
  readonly name = 'consistent-hash' as const;
  readonly #header: string | undefined;
  readonly #cookie: string | undefined;
  readonly #loadFactor: number;
  readonly #vnodes: number;
  #ring: Ring | undefined;
  #ringFor: readonly Target[] | undefined;

  constructor(opts: {
    header?: string | undefined;
    cookie?: string | undefined;
    load_factor?: number | undefined;
    virtual_nodes?: number | undefined;
  }) {
    this.#header = opts.header?.toLowerCase();
    this.#cookie = opts.cookie;
    this.#loadFactor = opts.load_factor ?? 1.25;
    this.#vnodes = opts.virtual_nodes ?? 160;
  }

  keyOf(ctx: PickContext): string {
    let key: string | undefined;
    if (this.#header) key = ctx.header(this.#header);
    if (key === undefined && this.#cookie) key = ctx.cookie(this.#cookie);
    return key ?? ctx.clientIp;
  }

  pick<T extends Target>(targets: readonly T[], ctx: PickContext): T | undefined {
    const n = targets.length;
    if (n <= 1) return targets[0];
    if (targets !== this.#ringFor) {
      this.#ring = buildRing(targets, this.#vnodes);
      this.#ringFor = targets;
    }
    const ring = this.#ring as Ring;
    let totalLoad = 0;
    for (let i = 0; i < n; i++) totalLoad += (targets[i] as T).load;
    const cap = Math.ceil((this.#loadFactor * (totalLoad + 1)) / n);

    const h = hash32(this.keyOf(ctx));
    const points = ring.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    const len = points.length;
    for (let k = 0; k < len; k++) {
      const t = targets[ring.owners[(lo + k) % len] as number] as T;
      if (t.load + 1 <= cap) return t;
    }
    return targets[ring.owners[lo % len] as number];
  }
}

function buildRing(targets: readonly Target[], vnodes: number): Ring {
  const entries: [number, number][] = [];
  targets.forEach((t, idx) => {
    const count = vnodes * Math.max(1, Math.round(t.effectiveWeight));
    for (let v = 0; v < count; v++) entries.push([hash32(`${t.id}#${v}`), idx]);
  });
  // Ties (rare) are broken by id so the ring does not depend on list order.
  entries.sort((a, b) => a[0] - b[0] || cmp(targets[a[1]]?.id, targets[b[1]]?.id));
  return {
    points: Uint32Array.from(entries.map((e) => e[0])),
    owners: entries.map((e) => e[1]),
  };
}

function cmp(a = '', b = ''): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
