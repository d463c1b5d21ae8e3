import { Client } from 'undici';
import type { CheckResult } from '../backend.js';
import type { PoolConfig } from '../config/load.js';

export type Probe = (url: string) => Promise<CheckResult>;

/**
 * An HTTP probe: one request on its own connection (a busy request pool must
 * not make a healthy backend look slow), answered within the timeout with an
 * expected status.
 */
export function httpProbe(health: PoolConfig['health']): Probe {
  return async (url) => {
    const started = performance.now();
    const at = new Date().toISOString();
    const client = new Client(url, {
      connectTimeout: health.timeout,
      headersTimeout: health.timeout,
      bodyTimeout: health.timeout,
      pipelining: 0,
    });
    const signal = AbortSignal.timeout(health.timeout);
    try {
      const res = await client.request({
        path: health.path,
        method: health.method,
        headers: { 'user-agent': 'switchboard-proxy-health', connection: 'close' },
        signal,
      });
      await res.body.dump();
      const ok = health.expect_status.some(
        ([lo, hi]) => res.statusCode >= lo && res.statusCode <= hi,
      );
      return {
        ok,
        at,
        status: res.statusCode,
        latency_ms: round(performance.now() - started),
        ...(ok ? {} : { error: `unexpected status ${res.statusCode}` }),
      };
    } catch (e) {
      const err = e as Error & { code?: string };
      return {
        ok: false,
        at,
        latency_ms: round(performance.now() - started),
        error: signal.aborted ? 'timeout' : (err.code ?? err.message),
      };
    } finally {
      void client.destroy().catch(() => {});
    }
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
