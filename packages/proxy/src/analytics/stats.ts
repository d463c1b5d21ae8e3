/** Upper bounds (ms) of the latency histogram buckets; the last is open-ended. */
export const LATENCY_BOUNDS_MS = [
  1,
  2,
  3,
  5,
  7.5,
  10,
  15,
  20,
  30,
  50,
  75,
  100,
  150,
  200,
  300,
  500,
  750,
  1000,
  1500,
  2000,
  3000,
  5000,
  10_000,
  30_000,
  60_000,
  Infinity,
] as const;

/** Counters for one slice of traffic (a time bucket, maybe one backend or route). */
export interface Stats {
  count: number;
  bytes: number;
  /** Exact status codes. */
  codes: Record<string, number>;
  /** Counts per LATENCY_BOUNDS_MS bucket. */
  lat: number[];
  latSum: number;
  latMax: number;
}

export function emptyStats(): Stats {
  return {
    count: 0,
    bytes: 0,
    codes: {},
    lat: new Array<number>(LATENCY_BOUNDS_MS.length).fill(0),
    latSum: 0,
    latMax: 0,
  };
}

export function latencyBucket(ms: number): number {
  // Linear scan: most requests land in the first few buckets.
  let i = 0;
  while (ms > (LATENCY_BOUNDS_MS[i] as number)) i++;
  return i;
}

export function addSample(
  s: Stats,
  status: number,
  ms: number,
  bytes: number,
  bucket: number,
): void {
  s.count++;
  s.bytes += bytes;
  s.codes[status] = (s.codes[status] ?? 0) + 1;
  s.lat[bucket] = (s.lat[bucket] as number) + 1;
  s.latSum += ms;
  if (ms > s.latMax) s.latMax = ms;
}

export function mergeInto(into: Stats, from: Stats): void {
  into.count += from.count;
  into.bytes += from.bytes;
  for (const [code, n] of Object.entries(from.codes))
    into.codes[code] = (into.codes[code] ?? 0) + n;
  for (let i = 0; i < into.lat.length; i++)
    into.lat[i] = (into.lat[i] as number) + (from.lat[i] ?? 0);
  into.latSum += from.latSum;
  if (from.latMax > into.latMax) into.latMax = from.latMax;
}

/** Percentile from the histogram, interpolated linearly inside the bucket. */
export function percentile(s: Stats, q: number): number {
  if (s.count === 0) return 0;
  const rank = q * s.count;
  let seen = 0;
  for (let i = 0; i < s.lat.length; i++) {
    const n = s.lat[i] as number;
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number);
      let hi = LATENCY_BOUNDS_MS[i] as number;
      if (!Number.isFinite(hi)) hi = Math.max(lo * 2, s.latMax);
      const v = lo + ((rank - seen) / n) * (hi - lo);
      return Math.round(Math.min(v, s.latMax) * 100) / 100;
    }
    seen += n;
  }
  return Math.round(s.latMax * 100) / 100;
}

export function statusClasses(s: Stats): Record<string, number> {
  const out: Record<string, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  for (const [code, n] of Object.entries(s.codes)) {
    const cls = `${code[0]}xx`;
    out[cls] = (out[cls] ?? 0) + n;
  }
  return out;
}

export function summarize(s: Stats) {
  const classes = statusClasses(s);
  return {
    requests: s.count,
    bytes: s.bytes,
    status_classes: classes,
    status_codes: { ...s.codes },
    error_rate: s.count
      ? Math.round((((classes['5xx'] ?? 0) as number) / s.count) * 10_000) / 10_000
      : 0,
    latency_ms: {
      mean: s.count ? Math.round((s.latSum / s.count) * 100) / 100 : 0,
      p50: percentile(s, 0.5),
      p90: percentile(s, 0.9),
      p95: percentile(s, 0.95),
      p99: percentile(s, 0.99),
      max: Math.round(s.latMax * 100) / 100,
    },
  };
}

export type StatsSummary = ReturnType<typeof summarize>;
