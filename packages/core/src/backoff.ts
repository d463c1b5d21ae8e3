export interface BackoffOptions {
  /** The delay before the first retry (attempt 0), in ms. */
  baseMs: number;
  /** No delay exceeds this, in ms. */
  maxMs: number;
  /**
   * The share of each delay that is random, from 0 (none: the same schedule
   * every time) to 1 ("full jitter"). 0.5 is "equal jitter": half fixed, half
   * random, so many clients that failed together do not retry in one wave, yet
   * nobody waits much longer than the schedule says.
   */
  jitter?: number;
  /** A number in [0, 1); Math.random unless a test wants it fixed. */
  random?: () => number;
}

/**
 * Exponential back-off: baseMs × 2^attempt, capped at maxMs, with the given
 * share of it random. `attempt` counts the failures so far, from 0.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { baseMs, maxMs, jitter = 0, random = Math.random } = options;
  // 2 ** 1075 is Infinity and Math.min handles it; a negative attempt is the first.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  if (jitter <= 0) return ceiling;
  const share = Math.min(1, jitter);
  return Math.round(ceiling * (1 - share) + random() * ceiling * share);
}
