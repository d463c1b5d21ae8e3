import { marker } from './watchers.js';

export interface DriveResult {
  sent: number;
  failed: number;
  /** Writes that could not start on time because the process was busy (ms behind, worst). */
  worstStartLagMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `bench:<send time>:` plus padding: the title (ours) or the payload head (reference). */
export function benchTitle(padTo: number): string {
  const head = `${marker}${performance.now().toFixed(3)}:`;
  return head + 'x'.repeat(Math.max(0, padTo - head.length));
}

/**
 * Issues `send` at a steady `rate` per second for `durationMs`, without
 * waiting for one write before the next (an open-loop load: a slow server
 * does not lower the offered rate).
 */
export async function drive(
  rate: number,
  durationMs: number,
  send: (i: number) => Promise<void>,
): Promise<DriveResult> {
  const start = performance.now();
  const interval = 1000 / rate;
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let worstStartLagMs = 0;
  for (let k = 0; k * interval < durationMs; k++) {
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    worstStartLagMs = Math.max(worstStartLagMs, performance.now() - due);
    const p = send(k)
      .catch(() => {
        failed += 1;
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
    sent += 1;
  }
  await Promise.all(inflight);
  return { sent, failed, worstStartLagMs };
}
