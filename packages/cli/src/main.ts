#!/usr/bin/env node
import { runProxyCli } from '@switchboard/proxy';
import { runApi } from './commands/api.js';
import { runLoadgen } from './commands/loadgen.js';
import { runReport } from './commands/report.js';
import { runUp } from './commands/up.js';

const usage = `Usage: switchboard <command> [options]

Commands:
  up        PostgreSQL + API instances + proxy: the whole product (npm start)
  api       one API instance, configured from the environment
  proxy     the load-balancing reverse proxy on its own, in front of any HTTP service
  report    the proxy's hourly/daily traffic report
  loadgen   the traffic simulator: simulated users working on boards, with a report
  help      this text

Run "switchboard <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      return runUp(rest);
    case 'api':
      return runApi();
    case 'proxy':
      return runProxyCli(rest);
    case 'report':
      return runReport(rest);
    case 'loadgen':
      return runLoadgen(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return;
    default:
      console.error(`switchboard: unknown command "${command}"\n\n${usage}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`switchboard: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
