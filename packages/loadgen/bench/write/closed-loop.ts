import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';

export interface LoadResult {
  requests: number;
  perSecond: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
}

/**
 * `concurrency` clients each sending the next request as soon as the last one
 * answered, for `durationMs` (a closed loop, like pgbench's clients).
 */
export async function closedLoop(
  origin: string,
  concurrency: number,
  durationMs: number,
  request: (
    client: number,
    i: number,
  ) => {
    method: 'GET' | 'POST' | 'PATCH';
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
  },
): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const statuses: Record<string, number> = {};
  let requests = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const spec = request(client, i);
        const t0 = performance.now();
        const res = await pool.request({
          method: spec.method,
          path: spec.path,
          headers: {
            ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...spec.headers,
          },
          ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        });
        await res.body.dump();
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        requests++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  await pool.close();
  return {
    requests,
    perSecond: requests / (elapsed / 1000),
    statuses,
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
  };
}
