import { describe, expect, it } from 'vitest';
import { isRoot } from '../../test-support/cluster/netns.js';
import { defaultSubset, runScenario, scenarios } from '../../test-support/cluster/scenarios.js';

/**
 * Issue 12's faults on a cluster of network-namespace hosts (2 proxies,
 * 3 API hosts, PostgreSQL, NATS), each under write load with live watchers.
 * For every one: no acknowledged write lost, every watcher's applied events
 * equal the board log, failed requests within a budget and of the kinds the
 * fault explains, recovery within a bound.
 *
 * Root only (namespaces, veth, bridge). By default the bounded subset
 * (about 3 minutes); CLUSTER_SCENARIOS=all or a comma list runs others.
 */
interface Expectation {
  /** Most failed requests the fault may cost. */
  maxFailed: number;
  /** What a failed request may look like, and why. */
  kinds: RegExp;
  maxRecoveryS: number;
}

const expectations: Record<string, Expectation> = {
  // Requests in flight on api-1 when it went silent: the proxy's 2 s header
  // timeout answers 504 (outcome unknown; not retried, they are POSTs).
  'api-db-partition': {
    maxFailed: 20,
    kinds: /^504 SB_ERR_OUTCOME_UNKNOWN$|^503 SB_ERR_UNAVAILABLE$/,
    maxRecoveryS: 10,
  },
  'api-host-power-off': { maxFailed: 20, kinds: /^50[24] SB_ERR_/, maxRecoveryS: 15 },
  // Requests on the lost proxy time out on the client (5 s), then it uses the other address.
  'proxy-host-loss': { maxFailed: 20, kinds: /^timeout$|^E[A-Z]+$/, maxRecoveryS: 15 },
  // Events wait in the log; writes never touch the bus.
  'api-bus-partition': { maxFailed: 0, kinds: /^$/, maxRecoveryS: 10 },
  'slow-link': { maxFailed: 20, kinds: /^50[234] SB_ERR_/, maxRecoveryS: 30 },
  'nats-leader-loss': { maxFailed: 0, kinds: /^$/, maxRecoveryS: 10 },
  // While PostgreSQL is down every write gets a coded 503: from the API
  // (SB_ERR_UNAVAILABLE) or, once health checks took every instance out, from
  // the proxy (SB_ERR_NO_BACKEND). The count follows the writers' loop speed.
  'db-restart': {
    maxFailed: 5_000,
    kinds: /^503 SB_ERR_(UNAVAILABLE|NO_BACKEND)$/,
    maxRecoveryS: 30,
  },
};

const selected = (() => {
  const wanted = process.env.CLUSTER_SCENARIOS;
  if (!wanted) return defaultSubset;
  if (wanted === 'all') return Object.keys(scenarios);
  return wanted.split(',').map((s) => s.trim());
})();

if (!isRoot())
  console.warn(
    'SKIPPED test/cluster/cluster-faults.test.ts: the cluster harness needs root (network namespaces)',
  );

describe.skipIf(!isRoot())('cluster faults', () => {
  it.each(selected)(
    '%s: no acknowledged write lost, watchers equal the log, failures bounded',
    async (name) => {
      const expected = expectations[name];
      if (!expected) throw new Error(`no expectation for scenario ${name}`);
      const result = await runScenario(name);
      console.log(JSON.stringify(result));
      expect(result.lost_acks).toBe(0);
      expect(result.watchers_caught_up).toBe(true);
      expect(result.event_lists_equal).toBe(true);
      expect(result.acked_writes).toBeGreaterThan(100);
      expect(result.failed_requests).toBeLessThanOrEqual(expected.maxFailed);
      for (const kind of Object.keys(result.failures)) expect(kind).toMatch(expected.kinds);
      expect(result.recovery_s).toBeLessThanOrEqual(expected.maxRecoveryS);
    },
    240_000,
  );
});
