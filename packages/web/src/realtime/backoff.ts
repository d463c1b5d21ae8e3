import { backoffDelay } from '@switchboard/core';

/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random),
 * so a fleet of browsers that lost the same instance does not come back in
 * one wave, yet nobody waits much longer than the schedule says.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  return backoffDelay(attempt, { baseMs: 500, maxMs: 15_000, jitter: 0.5, random });
}
