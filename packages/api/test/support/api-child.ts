/**
 * A child-process API instance for crash tests: configured from the
 * environment like `switchboard api`, plus SB_TEST_REALTIME (JSON overrides of
 * the real-time tunables). Reports its port over IPC, exits with its parent.
 */
import { apiConfigFromEnv } from '../../src/config.js';
import type { RealtimeOverrides } from '../../src/realtime/options.js';
import { startApi } from '../../src/server.js';

const realtime = process.env.SB_TEST_REALTIME
  ? (JSON.parse(process.env.SB_TEST_REALTIME) as RealtimeOverrides)
  : undefined;
const api = await startApi(apiConfigFromEnv(process.env), realtime ? { realtime } : {});
process.send?.({ type: 'listening', port: api.port });
process.on('disconnect', () => process.exit(0));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void api.close().finally(() => process.exit(0));
  });
}
