import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSimulationReport, runSimulation } from '@switchboard/loadgen';
import { type Stack, startStack } from '../../../test-support/stack.js';

/** The traffic simulator against the real product (switchboard up, two instances). */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ instances: 2, env: { RATE_LIMIT_PER_MINUTE: '0' } });
}, 90_000);
afterAll(async () => stack?.stop());

describe('switchboard loadgen', () => {
  it('works boards like people do and reports answers, latency and backends', async () => {
    const report = await runSimulation({
      url: stack.url,
      users: 6,
      rate: 25,
      durationSeconds: 3,
      accounts: 2,
      seed: 42,
    });
    expect(report.auth_mode).toBe('accounts');
    expect(report.requests).toBeGreaterThanOrEqual(60);
    expect(report.errors).toEqual({});
    expect(report.status_classes['5xx'] ?? 0).toBe(0);
    expect(report.status_classes['2xx']).toBeGreaterThan(report.requests * 0.9);
    expect(Object.keys(report.backends).sort()).toEqual(['api-1', 'api-2']);
    const actions = report.actions.map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['view board', 'create task', 'move task']));
    expect(formatSimulationReport(report)).toMatch(/served by: api-1 \d+ {2}api-2 \d+/);
  }, 60_000);
});
