import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { addSample, emptyStats, latencyBucket, mergeInto, summarize, type Stats } from './stats.js';

export type Resolution = 'minute' | 'hour' | 'day';
export type GroupBy = 'backend' | 'route' | 'status' | 'none';

const STEP: Record<Resolution, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Ring sizes: 24 h of minutes, 31 days of hours, 90 days of days. */
const SLOTS: Record<Resolution, number> = { minute: 1440, hour: 744, day: 90 };
/** At most this many distinct backend/route keys per bucket, so memory stays bounded. */
const MAX_KEYS = 64;

interface Bucket {
  t: number;
  total: Stats;
  backends: Record<string, Stats>;
  routes: Record<string, Stats>;
}

class Ring {
  readonly slots: (Bucket | undefined)[];
  current: Bucket | undefined;
  constructor(
    readonly step: number,
    size: number,
  ) {
    this.slots = new Array<Bucket | undefined>(size);
  }

  bucketFor(now: number): Bucket {
    const cur = this.current;
    if (cur !== undefined && now >= cur.t && now < cur.t + this.step) return cur;
    const t = now - (now % this.step);
    const i = Math.floor(t / this.step) % this.slots.length;
    let b = this.slots[i];
    if (b === undefined || b.t !== t) {
      b = { t, total: emptyStats(), backends: {}, routes: {} };
      this.slots[i] = b;
    }
    this.current = b;
    return b;
  }

  get(t: number): Bucket | undefined {
    const b = this.slots[Math.floor(t / this.step) % this.slots.length];
    return b !== undefined && b.t === t ? b : undefined;
  }
}

export interface AnalyticsQuery {
  /** Window length in ms (default 1 h). */
  window: number;
  resolution?: Resolution;
  group?: GroupBy;
  now?: number;
}

/**
 * Traffic analytics for the admin API and `switchboard report`: per-minute, per-hour and per-day rollups in
 * fixed rings, so memory is bounded whatever the traffic. Each bucket counts
 * requests, bytes, exact status codes and a latency histogram, in total and per
 * backend and route. Queries merge buckets; percentiles come from the histogram.
 */
export class Analytics {
  readonly rings: Record<Resolution, Ring> = {
    minute: new Ring(STEP.minute, SLOTS.minute),
    hour: new Ring(STEP.hour, SLOTS.hour),
    day: new Ring(STEP.day, SLOTS.day),
  };
  firstAt = 0;
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  record(
    route: string,
    backend: string | undefined,
    status: number,
    ms: number,
    bytes: number,
  ): void {
    const now = this.#clock();
    if (this.firstAt === 0) this.firstAt = now;
    const lb = latencyBucket(ms);
    const r = this.rings;
    add(r.minute.bucketFor(now), route, backend, status, ms, bytes, lb);
    add(r.hour.bucketFor(now), route, backend, status, ms, bytes, lb);
    add(r.day.bucketFor(now), route, backend, status, ms, bytes, lb);
  }

  query(q: AnalyticsQuery) {
    const now = q.now ?? this.#clock();
    const resolution = q.resolution ?? defaultResolution(q.window);
    const ring = this.rings[resolution];
    const step = STEP[resolution];
    const end = now - (now % step);
    const count = Math.max(1, Math.min(SLOTS[resolution], Math.ceil(q.window / step)));
    const from = end - (count - 1) * step;
    const total = emptyStats();
    const groups = new Map<string, Stats>();
    const series: { t: string; requests: number; errors: number; p95_ms: number }[] = [];
    let peak: { at: string; requests: number } | undefined;
    let lowest: { at: string; requests: number } | undefined;
    const since = this.firstAt === 0 ? now : this.firstAt - (this.firstAt % step);
    for (let t = from; t <= end; t += step) {
      const b = ring.get(t);
      const s = b?.total ?? emptyStats();
      const summary = summarize(s);
      if (t >= since) {
        series.push({
          t: new Date(t).toISOString(),
          requests: s.count,
          errors: summary.status_classes['5xx'] ?? 0,
          p95_ms: summary.latency_ms.p95,
        });
        if (!peak || s.count > peak.requests)
          peak = { at: new Date(t).toISOString(), requests: s.count };
        // The bucket still filling is not a fair "lowest".
        if (t < end && (!lowest || s.count < lowest.requests)) {
          lowest = { at: new Date(t).toISOString(), requests: s.count };
        }
      }
      if (!b) continue;
      mergeInto(total, b.total);
      if (q.group === 'backend' || q.group === 'route') {
        const src = q.group === 'backend' ? b.backends : b.routes;
        for (const [k, v] of Object.entries(src)) mergeInto(keyedMap(groups, k), v);
      }
    }
    const totals = summarize(total);
    const result = {
      window_ms: q.window,
      resolution,
      from: new Date(from).toISOString(),
      to: new Date(end + step).toISOString(),
      totals,
      requests_per_minute: Math.round((total.count / ((count * step) / 60_000)) * 100) / 100,
      peak: peak ?? null,
      lowest: lowest ?? null,
      series,
      groups: {} as Record<string, ReturnType<typeof summarize>>,
    };
    if (q.group === 'status') {
      for (const [code, n] of Object.entries(totals.status_codes)) {
        result.groups[code] = { ...summarize(emptyStats()), requests: n };
      }
    } else {
      for (const [k, v] of groups) result.groups[k] = summarize(v);
    }
    return result;
  }

  toJSON() {
    const dump = (ring: Ring) => ring.slots.filter((b): b is Bucket => b !== undefined);
    return {
      version: 1,
      first_at: this.firstAt,
      minute: dump(this.rings.minute),
      hour: dump(this.rings.hour),
      day: dump(this.rings.day),
    };
  }

  load(data: unknown): void {
    if (!data || typeof data !== 'object' || (data as { version?: unknown }).version !== 1) return;
    const d = data as Record<string, unknown>;
    if (typeof d.first_at === 'number') this.firstAt = d.first_at;
    for (const res of ['minute', 'hour', 'day'] as const) {
      const list = d[res];
      if (!Array.isArray(list)) continue;
      const ring = this.rings[res];
      for (const b of list as Bucket[]) {
        if (typeof b?.t !== 'number' || !b.total) continue;
        ring.slots[Math.floor(b.t / ring.step) % ring.slots.length] = b;
      }
      ring.current = undefined;
    }
  }

  /** Adds another engine's dump (toJSON) into this one: cluster workers are merged this way. */
  merge(data: unknown): void {
    if (!data || typeof data !== 'object' || (data as { version?: unknown }).version !== 1) return;
    const d = data as Record<string, unknown>;
    if (typeof d.first_at === 'number' && d.first_at > 0) {
      this.firstAt = this.firstAt === 0 ? d.first_at : Math.min(this.firstAt, d.first_at);
    }
    for (const res of ['minute', 'hour', 'day'] as const) {
      const list = d[res];
      if (!Array.isArray(list)) continue;
      const ring = this.rings[res];
      for (const b of list as Bucket[]) {
        if (typeof b?.t !== 'number' || !b.total) continue;
        const i = Math.floor(b.t / ring.step) % ring.slots.length;
        const mine = ring.slots[i];
        if (mine !== undefined && mine.t === b.t) {
          mergeInto(mine.total, b.total);
          for (const [k, v] of Object.entries(b.backends)) mergeInto(keyed(mine.backends, k), v);
          for (const [k, v] of Object.entries(b.routes)) mergeInto(keyed(mine.routes, k), v);
        } else if (mine === undefined || mine.t < b.t) {
          ring.slots[i] = structuredClone(b);
        }
      }
      ring.current = undefined;
    }
  }

  async save(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this));
    await rename(tmp, path);
  }

  static async fromFile(path: string, clock?: () => number): Promise<Analytics> {
    const a = new Analytics(clock);
    try {
      a.load(JSON.parse(await readFile(path, 'utf8')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return a;
  }
}

export type AnalyticsResult = ReturnType<Analytics['query']>;

export function defaultResolution(windowMs: number): Resolution {
  if (windowMs <= 6 * 3_600_000) return 'minute';
  if (windowMs <= 8 * 86_400_000) return 'hour';
  return 'day';
}

function add(
  b: Bucket,
  route: string,
  backend: string | undefined,
  status: number,
  ms: number,
  bytes: number,
  lb: number,
): void {
  addSample(b.total, status, ms, bytes, lb);
  addSample(keyed(b.routes, route), status, ms, bytes, lb);
  if (backend !== undefined) addSample(keyed(b.backends, backend), status, ms, bytes, lb);
}

function keyed(map: Record<string, Stats>, key: string): Stats {
  let s = map[key];
  if (s === undefined) {
    const k = Object.keys(map).length >= MAX_KEYS ? '(other)' : key;
    s = map[k] ??= emptyStats();
  }
  return s;
}

function keyedMap(map: Map<string, Stats>, key: string): Stats {
  let s = map.get(key);
  if (s === undefined) {
    s = emptyStats();
    map.set(key, s);
  }
  return s;
}
