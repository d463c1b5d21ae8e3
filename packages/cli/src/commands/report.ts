import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { adminTokenFile } from '../front-door.js';
import { adminAddress, UpConfigError, upDefaults, upLocation } from '../up-config.js';

const usage = `Usage: switchboard report [--period hourly|daily] [--json] [--admin ADDR] [--token TOKEN] [--config FILE]

Prints the proxy's traffic report (an hourly/daily summary: requests, peak and
quietest periods, status-code mix, latency, per backend and route), read from a running
proxy's admin API. It finds the proxy the way \`switchboard up\` placed it: the same
ADMIN_ADDR, ADMIN_TOKEN and DATA_DIR (environment, else up's --config file, else defaults).

  --period   hourly (last 24 h by hour, default) or daily (last 7 days by day)
  --json     the report as JSON instead of text
  --admin    admin address (default ADMIN_ADDR, else ${upDefaults.adminAddr})
  --token    admin token (default ADMIN_TOKEN, else DATA_DIR/admin-token as written by up)
  --config   the YAML file up was started with (--config), to read the same settings
`;

const fail = (message: string, code = 1): never => {
  console.error(`switchboard report: ${message}`);
  process.exit(code);
};

export async function runReport(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      period: { type: 'string', default: 'hourly' },
      json: { type: 'boolean', default: false },
      admin: { type: 'string' },
      token: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.period !== 'hourly' && values.period !== 'daily') {
    fail(`--period must be hourly or daily\n\n${usage}`, 2);
  }
  let location;
  try {
    location = upLocation(process.env, values.config);
  } catch (err) {
    if (err instanceof UpConfigError) return fail(err.message, 2);
    throw err;
  }
  const admin = values.admin ?? adminAddress(location);
  const tokenFile = adminTokenFile(location.dataDir);
  const tokenSource = values.token
    ? '--token'
    : location.adminToken
      ? 'ADMIN_TOKEN'
      : existsSync(tokenFile)
        ? tokenFile
        : undefined;
  const token =
    values.token ??
    location.adminToken ??
    (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  const url = `http://${admin}/admin/analytics/report?period=${values.period}${values.json ? '' : '&format=text'}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    const cause = (err as Error).cause;
    return fail(
      `cannot reach the proxy's admin API at ${admin} (${cause instanceof Error ? cause.message : (err as Error).message}); ` +
        'is switchboard up running with this ADMIN_ADDR (or --admin)?',
    );
  }
  const body = await res.text();
  if (res.status === 401 || res.status === 403) {
    fail(
      tokenSource === undefined
        ? `the admin API at ${admin} wants its token, and none was found: set ADMIN_TOKEN or --token, ` +
            `or run this where DATA_DIR (${location.dataDir}) is the data directory of the switchboard up ` +
            `serving it; up writes the token to DATA_DIR/admin-token on first start (${tokenFile} does not exist).`
        : `the admin API at ${admin} refused the token from ${tokenSource} (${res.status}): ` +
            'is it the token of the switchboard up serving this address? up keeps it in DATA_DIR/admin-token ' +
            'unless ADMIN_TOKEN is set.',
    );
  }
  if (!res.ok) fail(`${res.status} ${body}`);
  process.stdout.write(body.endsWith('\n') ? body : body + '\n');
}
