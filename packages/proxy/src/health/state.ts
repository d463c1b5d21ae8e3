import { backoffDelay } from '@switchboard/core';

/**
 * The health of one backend as a plain state machine: no timers, no I/O;
 * every method takes `now` (ms). Active checks move it down after `fall`
 * consecutive failures and up after `rise` successes; passive outlier
 * detection ejects it after `consecutive_failures` bad responses (5xx or
 * connect errors), or at once when it stalls (recordStall), for a time that
 * doubles with each ejection (capped), and
 * the multiplier resets after a quiet period of max_ejection. Coming back
 * (rise or ejection end) starts the slow-start ramp.
 */
export interface HealthPolicy {
  rise: number;
  fall: number;
  initialUp: boolean;
  passive: {
    enabled: boolean;
    consecutive_failures: number;
    base_ejection: number;
    max_ejection: number;
  };
  slowStart: number;
}

export type HealthEvent = 'check-down' | 'check-up' | 'ejected' | 'returned';

export class HealthState {
  policy: HealthPolicy;
  /** Verdict of the active checks. */
  checkUp: boolean;
  okStreak = 0;
  failStreak = 0;
  passiveFailures = 0;
  ejections = 0;
  ejectedUntil = 0;
  lastReturnAt = 0;
  /** Start of the current slow-start ramp (0: none). */
  rampStart = 0;

  constructor(policy: HealthPolicy, now: number, rampFromNow = false) {
    this.policy = policy;
    this.checkUp = policy.initialUp;
    if (rampFromNow && policy.slowStart > 0) this.rampStart = now;
  }

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }

  isUp(now: number): boolean {
    return this.checkUp && !this.isEjected(now);
  }

  /** 0 < factor <= 1: the share of its weight a backend gets while ramping up. */
  weightFactor(now: number): number {
    if (this.rampStart === 0) return 1;
    const elapsed = now - this.rampStart;
    if (elapsed >= this.policy.slowStart || elapsed < 0) {
      this.rampStart = 0;
      return 1;
    }
    return Math.max(0.05, elapsed / this.policy.slowStart);
  }

  inSlowStart(now: number): boolean {
    return this.weightFactor(now) < 1;
  }

  /** Feeds one active check result; returns the transition it caused, if any. */
  recordCheck(ok: boolean, now: number): HealthEvent | undefined {
    if (ok) {
      this.failStreak = 0;
      this.okStreak++;
      if (!this.checkUp && this.okStreak >= this.policy.rise) {
        this.checkUp = true;
        this.passiveFailures = 0;
        if (!this.isEjected(now)) this.#startRamp(now);
        return 'check-up';
      }
    } else {
      this.okStreak = 0;
      this.failStreak++;
      if (this.checkUp && this.failStreak >= this.policy.fall) {
        this.checkUp = false;
        return 'check-down';
      }
    }
    return undefined;
  }

  /** Feeds one proxied request's outcome (false: 5xx or connect error). */
  recordResult(ok: boolean, now: number): HealthEvent | undefined {
    const p = this.policy.passive;
    if (ok) {
      this.passiveFailures = 0;
      return undefined;
    }
    if (!p.enabled || this.isEjected(now)) return undefined;
    this.passiveFailures++;
    if (this.passiveFailures < p.consecutive_failures) return undefined;
    return this.#eject(now);
  }

  /**
   * Outlier detection by latency: the backend went silent past the first-byte
   * timeout while the rest of its pool answered. Ejected at once, with the same
   * back-off as for consecutive failures.
   */
  recordStall(now: number): HealthEvent | undefined {
    if (!this.policy.passive.enabled || this.isEjected(now)) return undefined;
    return this.#eject(now);
  }

  #eject(now: number): HealthEvent {
    const p = this.policy.passive;
    if (this.lastReturnAt > 0 && now - this.lastReturnAt >= p.max_ejection) this.ejections = 0;
    const time = backoffDelay(this.ejections, { baseMs: p.base_ejection, maxMs: p.max_ejection });
    this.ejections++;
    this.ejectedUntil = now + time;
    this.passiveFailures = 0;
    return 'ejected';
  }

  /** Call when the ejection time has passed; returns 'returned' once. */
  expireEjection(now: number): HealthEvent | undefined {
    if (this.ejectedUntil === 0 || this.ejectedUntil > now) return undefined;
    this.ejectedUntil = 0;
    this.lastReturnAt = now;
    if (this.checkUp) this.#startRamp(now);
    return 'returned';
  }

  #startRamp(now: number): void {
    if (this.policy.slowStart > 0) this.rampStart = now;
  }
}
