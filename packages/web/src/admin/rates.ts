/**
 * Live rates from the proxy's cumulative counters: the dashboard samples the
 * counters every poll and plots the per-second difference between samples.
 * Pure, so the arithmetic is tested without a browser.
 */
export interface Sample {
  /** Unix seconds. */
  t: number;
  /** Cumulative requests per backend id. */
  totals: Readonly<Record<string, number>>;
  /** Cumulative responses per status class ('2xx'…). */
  classes: Readonly<Record<string, number>>;
}

/** uPlot's aligned data: x (unix seconds), then one y array per series. */
export type ChartData = number[][];

/** Keeps the newest `capacity` samples. */
export function appendSample(
  samples: readonly Sample[],
  sample: Sample,
  capacity: number,
): Sample[] {
  const next = [...samples, sample];
  return next.length > capacity ? next.slice(next.length - capacity) : next;
}

/**
 * Per-second rates between consecutive samples, one series per key. A counter
 * that went down (a backend removed and re-added, a proxy restart) reads as 0
 * for that interval rather than a negative rate.
 */
export function rates(
  samples: readonly Sample[],
  keys: readonly string[],
  pick: (s: Sample) => Readonly<Record<string, number>>,
): ChartData {
  const xs: number[] = [];
  const ys: number[][] = keys.map(() => []);
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as Sample;
    const b = samples[i] as Sample;
    const dt = Math.max(0.001, b.t - a.t);
    xs.push(b.t);
    keys.forEach((k, j) => {
      const delta = (pick(b)[k] ?? 0) - (pick(a)[k] ?? 0);
      (ys[j] as number[]).push(Math.max(0, delta) / dt);
    });
  }
  return [xs, ...ys];
}

/** The sum of every series' latest rate (null before there are two samples). */
export function latestTotal(data: ChartData): number | null {
  if ((data[0]?.length ?? 0) === 0) return null;
  return data.slice(1).reduce((sum, ys) => sum + (ys[ys.length - 1] ?? 0), 0);
}

/**
 * The x range to show: the samples so far up to `windowSeconds`, or — with
 * fewer than two points — the last `windowSeconds` up to now, so an empty
 * chart still reads as "now" instead of an auto-scaled range of years.
 */
export function timeWindow(
  xs: readonly number[],
  windowSeconds: number,
  nowSeconds: number,
): [number, number] {
  const last = xs[xs.length - 1];
  const first = xs[0];
  if (xs.length < 2 || last === undefined || first === undefined) {
    return [nowSeconds - windowSeconds, nowSeconds];
  }
  return [Math.max(first, last - windowSeconds), last];
}
