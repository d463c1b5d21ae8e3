/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random),
 * so a fleet of browsers that lost the same instance does not come back in
 * one wave, yet nobody waits much longer than the schedule says.
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs = 500,
  capMs = 15_000,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
