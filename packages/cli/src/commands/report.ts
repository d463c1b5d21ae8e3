import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { adminTokenFile } from '../front-door.js';
import { upDefaults } from '../up-config.js';

const usage = `Usage: switchboard report [--period hourly|daily] [--json] [--admin ADDR] [--token TOKEN]

Prints the proxy's hourly or daily traffic summary (requests, peak and quietest periods,
status-code mix, latency, per backend and route), read from a running proxy's admin API.

  --period   hourly (last 24 h by hour, default) or daily (last 7 days by day)
  --json     the report as JSON instead of text
  --admin    admin address (default ADMIN_ADDR or ${upDefaults.adminAddr})
  --token    admin token (default ADMIN_TOKEN, else DATA_DIR/admin-token as written by up)
`;

export async function runReport(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      period: { type: 'string', default: 'hourly' },
      json: { type: 'boolean', default: false },
      admin: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.period !== 'hourly' && values.period !== 'daily') {
    console.error(`switchboard report: --period must be hourly or daily\n\n${usage}`);
    process.exit(2);
  }
  const admin = values.admin ?? process.env.ADMIN_ADDR ?? upDefaults.adminAddr;
  const tokenFile = adminTokenFile(process.env.DATA_DIR ?? upDefaults.dataDir);
  const token =
    values.token ??
    process.env.ADMIN_TOKEN ??
    (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  const url = `http://${admin}/admin/analytics/report?period=${values.period}${values.json ? '' : '&format=text'}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    console.error(
      `switchboard report: cannot reach the proxy's admin API at ${admin} (${(err as Error).message}); is switchboard running?`,
    );
    process.exit(1);
  }
  const body = await res.text();
  if (!res.ok) {
    console.error(`switchboard report: ${res.status} ${body}`);
    process.exit(1);
  }
  process.stdout.write(body.endsWith('\n') ? body : body + '\n');
}
