import { parseArgs } from 'node:util';
import { cleanupPrefix, isRoot } from './netns.js';
import type { ScaleRow } from './scale.js';
import { runScenario, scenarios } from './scenarios.js';

/**
 * `npm run cluster -- --scenario NAME`: one fault scenario on a fresh
 * cluster of network-namespace hosts (root only). Progress and the details go
 * to stderr; the last line on stdout is the result as one JSON object.
 */
const { values } = parseArgs({
  options: {
    scenario: { type: 'string', short: 's' },
    scale: { type: 'boolean' },
    writers: { type: 'string' },
    pause: { type: 'string' },
    'api-cpu': { type: 'string' },
    'proxy-cpu': { type: 'string' },
    'db-cpu': { type: 'string' },
    'client-cpu': { type: 'string' },
    'watchers-per-board': { type: 'string' },
    relays: { type: 'boolean' },
    configs: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const names = Object.keys(scenarios);
if (values.help || (!values.scenario && !values.scale)) {
  process.stderr.write(
    `usage: npm run cluster -- --scenario NAME\n       npm run cluster -- --scale   (throughput for 1, 2, 3 API hosts and 1 vs 2 proxies)\n\nscenarios:\n${names.map((n) => `  ${n.padEnd(20)} ${scenarios[n]!.description}`).join('\n')}\n`,
  );
  process.exit(values.help ? 0 : 2);
}
if (!isRoot()) {
  process.stderr.write('npm run cluster: needs root (network namespaces, veth, bridge)\n');
  process.exit(2);
}
const log = (line: string) =>
  process.stderr.write(`[cluster ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
// Interrupted: take down every host (and what runs on it) before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    cleanupPrefix();
    process.exit(130);
  });
if (values.scale) {
  const { runScale } = await import('./scale.js');
  const result = await runScale({
    log,
    ...(values.writers ? { writers: Number(values.writers) } : {}),
    ...(values.pause ? { pauseMs: Number(values.pause) } : {}),
    ...(values['api-cpu'] ? { apiCpu: Number(values['api-cpu']) } : {}),
    ...(values['proxy-cpu'] ? { proxyCpu: Number(values['proxy-cpu']) } : {}),
    ...(values['db-cpu'] ? { dbCpu: Number(values['db-cpu']) } : {}),
    ...(values['client-cpu'] ? { clientCpu: Number(values['client-cpu']) } : {}),
    ...(values['watchers-per-board']
      ? { watchersPerBoard: Number(values['watchers-per-board']) }
      : {}),
    ...(values.relays ? { relays: true } : {}),
    // e.g. --configs 1x1,2x1,3x1,3x2 (API hosts x proxies)
    ...(values.configs
      ? {
          configs: values.configs.split(',').map((c) => {
            const [apis, proxies] = c.split('x').map(Number);
            return { apis: apis!, proxies: proxies ?? 1 };
          }),
        }
      : {}),
  });
  process.stdout.write(
    `${scaleTable(result.rows)}\n\n${result.machine}; quotas ${JSON.stringify(result.quotas)}\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function scaleTable(rows: ScaleRow[]): string {
  const head =
    '| API hosts | proxies | writes/s | p50 ms | p99 ms | failed | deliveries/s | API CPU ms/write | proxy CPU ms/write | DB CPU ms/write | client CPU ms/write | CPU use of quota |';
  const line = '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const body = rows.map(
    (r) =>
      `| ${r.apis} | ${r.proxies} | ${r.writes_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.failed} | ${r.deliveries_per_s} | ${r.api_cpu_ms_per_write} | ${r.proxy_cpu_ms_per_write} | ${r.db_cpu_ms_per_write} | ${r.client_cpu_ms_per_write} | ${Object.entries(
        r.cpu_share,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} |`,
  );
  return [head, line, ...body].join('\n');
}

const details = await runScenario(values.scenario!, { log });
log(`details: ${JSON.stringify(details)}`);
const { scenario, lost_acks, event_lists_equal, failed_requests, recovery_s } = details;
process.stdout.write(
  `${JSON.stringify({ scenario, lost_acks, event_lists_equal, failed_requests, recovery_s })}\n`,
);
