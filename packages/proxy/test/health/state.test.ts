import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backend, type CheckResult } from '../../src/backend.js';
import { parseProxyConfig } from '../../src/config/load.js';
import { HealthChecker } from '../../src/health/checker.js';
import { HealthState, type HealthPolicy } from '../../src/health/state.js';

const policy: HealthPolicy = {
  rise: 2,
  fall: 3,
  initialUp: true,
  passive: { enabled: true, consecutive_failures: 3, base_ejection: 10_000, max_ejection: 40_000 },
  slowStart: 10_000,
};

describe('HealthState (pure)', () => {
  it('goes down after `fall` failed checks and up after `rise` good ones, starting slow', () => {
    const h = new HealthState(policy, 0);
    expect(h.recordCheck(false, 1)).toBeUndefined();
    expect(h.recordCheck(false, 2)).toBeUndefined();
    expect(h.isUp(2)).toBe(true);
    expect(h.recordCheck(false, 3)).toBe('check-down');
    expect(h.isUp(3)).toBe(false);
    expect(h.recordCheck(true, 4)).toBeUndefined();
    expect(h.recordCheck(false, 5)).toBeUndefined(); // streak broken
    expect(h.recordCheck(true, 6)).toBeUndefined();
    expect(h.recordCheck(true, 1000)).toBe('check-up');
    expect(h.isUp(1000)).toBe(true);
    // Slow start: the weight ramps from 5% to full over slowStart.
    expect(h.weightFactor(1000)).toBe(0.05);
    expect(h.weightFactor(6000)).toBeCloseTo(0.5);
    expect(h.weightFactor(11_000)).toBe(1);
    expect(h.inSlowStart(11_000)).toBe(false);
  });

  it('ejects after consecutive failures with a back-off that doubles, caps and resets', () => {
    const h = new HealthState(policy, 0);
    h.recordResult(false, 0);
    h.recordResult(true, 0); // success resets the streak
    h.recordResult(false, 0);
    h.recordResult(false, 0);
    expect(h.recordResult(false, 0)).toBe('ejected');
    expect(h.ejectedUntil).toBe(10_000);
    expect(h.isUp(5000)).toBe(false);
    expect(h.expireEjection(9999)).toBeUndefined();
    expect(h.expireEjection(10_000)).toBe('returned');
    expect(h.isUp(10_000)).toBe(true);
    for (let i = 0; i < 3; i++) h.recordResult(false, 11_000);
    expect(h.ejectedUntil).toBe(11_000 + 20_000);
    h.expireEjection(31_000);
    for (let i = 0; i < 3; i++) h.recordResult(false, 32_000);
    expect(h.ejectedUntil).toBe(32_000 + 40_000);
    h.expireEjection(72_000);
    for (let i = 0; i < 3; i++) h.recordResult(false, 73_000);
    expect(h.ejectedUntil).toBe(73_000 + 40_000); // capped at max_ejection
    h.expireEjection(113_000);
    // A quiet period of max_ejection resets the multiplier.
    for (let i = 0; i < 3; i++) h.recordResult(false, 113_000 + 40_000);
    expect(h.ejectedUntil).toBe(153_000 + 10_000);
  });

  it('ignores passive results when disabled', () => {
    const h = new HealthState({ ...policy, passive: { ...policy.passive, enabled: false } }, 0);
    for (let i = 0; i < 10; i++) expect(h.recordResult(false, i)).toBeUndefined();
    expect(h.isUp(10)).toBe(true);
  });
});

describe('HealthChecker with fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function backend(changed: (b: Backend, e?: string) => void = () => {}) {
    const cfg = parseProxyConfig({
      backends: [{ url: 'http://127.0.0.1:9', id: 'b1' }],
      health: { interval: '5s', rise: 2, fall: 2 },
      passive: { consecutive_failures: 2, base_ejection: '10s' },
      slow_start: '20s',
    });
    const pool = cfg.pools.default!;
    return new Backend(pool.backends[0]!, 'default', pool, { changed });
  }

  it('checks every interval (default 5 s), marks down after `fall` and up after `rise`', async () => {
    let healthy = true;
    const probe = vi.fn(async (): Promise<CheckResult> => ({
      ok: healthy,
      at: new Date().toISOString(),
      latency_ms: 1,
    }));
    const events: string[] = [];
    const b = backend((_b, e) => e && events.push(e));
    const checker = new HealthChecker(5000, probe, () => {});
    checker.watch(b);
    await vi.advanceTimersByTimeAsync(4999);
    expect(probe).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(1);
    healthy = false;
    await vi.advanceTimersByTimeAsync(5000);
    expect(b.state).toBe('up');
    await vi.advanceTimersByTimeAsync(5000);
    expect(b.state).toBe('down');
    expect(b.usable).toBe(false);
    healthy = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.state).toBe('starting'); // back, in slow start
    expect(b.effectiveWeight).toBeLessThan(0.2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(b.state).toBe('up');
    expect(b.effectiveWeight).toBe(1);
    expect(events).toEqual(['check-down', 'check-up']);
    expect(b.lastCheck?.ok).toBe(true);
    checker.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probe).toHaveBeenCalledTimes(9);
  });

  it('a five-minute health-check interval is just a config value', async () => {
    const probe = vi.fn(async (): Promise<CheckResult> => ({ ok: true, at: '', latency_ms: 1 }));
    const checker = new HealthChecker(300_000, probe, () => {});
    checker.watch(backend());
    await vi.advanceTimersByTimeAsync(299_999);
    expect(probe).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(1);
    checker.stop();
  });

  it('passive ejection returns the backend by timer after the back-off', async () => {
    const events: string[] = [];
    const b = backend((_b, e) => e && events.push(e));
    b.recordResult(false);
    b.recordResult(false);
    expect(b.state).toBe('down');
    await vi.advanceTimersByTimeAsync(9999);
    expect(b.state).toBe('down');
    await vi.advanceTimersByTimeAsync(1);
    expect(b.state).toBe('starting');
    expect(events).toEqual(['ejected', 'returned']);
    await b.close();
  });

  it('returns an ejected backend even when its timer fires before the wall clock reaches the deadline', async () => {
    const events: string[] = [];
    const b = backend((_b, e) => e && events.push(e));
    b.recordResult(false);
    b.recordResult(false);
    // libuv runs timers on a cached monotonic clock, so they can fire a few ms early by Date.now().
    vi.setSystemTime(Date.now() - 3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(b.state).toBe('down');
    expect(events).toEqual(['ejected']);
    await vi.advanceTimersByTimeAsync(3);
    expect(b.state).toBe('starting');
    expect(events).toEqual(['ejected', 'returned']);
    await b.close();
  });
});
