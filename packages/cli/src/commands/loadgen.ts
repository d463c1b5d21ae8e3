import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { formatSimulationReport, runSimulation } from '@switchboard/loadgen';
import { UpConfigError, upLocation } from '../up-config.js';

const usage = `Usage: switchboard loadgen [options]

The traffic simulator: simulated people open boards and add, move,
complete and delete tasks at a steady rate; prints what every answer was, how
long it took (p50/p95/p99 per action) and which backend served it.

  --url URL         target (default http://127.0.0.1:PORT, PORT read as up reads it: 8080)
  --config FILE     the YAML file up was started with, to read its PORT
  --users N         simulated users, each on a board of their own (default 20)
  --rate N          actions per second across all users (default 50)
  --duration S      seconds (default 30, at most 3600)
  --accounts N      accounts to register and share (default 4; accounts mode)
  --token TOKEN     use an existing session instead of registering
  --seed N          repeatable run
  --keep            keep the simulated boards afterwards
  --json            print the report as JSON
  --allow-remote    allow a target that is not this machine
`;

const loopbackHosts = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export async function runLoadgen(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      config: { type: 'string' },
      users: { type: 'string', default: '20' },
      rate: { type: 'string', default: '50' },
      duration: { type: 'string', default: '30' },
      accounts: { type: 'string', default: '4' },
      token: { type: 'string' },
      seed: { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'allow-remote': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const number = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      console.error(
        `switchboard loadgen: --${name} must be a number from ${min} to ${max} (got ${raw})\n\n${usage}`,
      );
      process.exit(2);
    }
    return n;
  };
  let target = values.url;
  if (target === undefined) {
    // Where `switchboard up` listens: the same PORT (environment, its --config file, default).
    try {
      target = `http://127.0.0.1:${upLocation(process.env, values.config).port}`;
    } catch (err) {
      if (!(err instanceof UpConfigError)) throw err;
      console.error(`switchboard loadgen: ${err.message}`);
      process.exit(2);
    }
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    console.error(`switchboard loadgen: --url is not a URL (got ${target})`);
    process.exit(2);
  }
  const host = url.hostname;
  if (
    !values['allow-remote'] &&
    !loopbackHosts.has(host) &&
    !(isIP(host) === 4 && host.startsWith('127.'))
  ) {
    console.error(
      `switchboard loadgen: ${host} is not this machine; pass --allow-remote to load it anyway`,
    );
    process.exit(2);
  }
  const report = await runSimulation({
    url: url.origin,
    users: number('users', values.users, 1, 10_000),
    rate: number('rate', values.rate, 0.1, 100_000),
    durationSeconds: number('duration', values.duration, 1, 3600),
    accounts: number('accounts', values.accounts, 1, 100),
    ...(values.token ? { token: values.token } : {}),
    ...(values.seed ? { seed: number('seed', values.seed, 0, 2 ** 32) } : {}),
    keep: values.keep,
    onProgress: (line) => console.error(`[loadgen] ${line}`),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatSimulationReport(report));
}
