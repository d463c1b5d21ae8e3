#!/usr/bin/env node
import { resolveSecretFiles, SecretFileError } from './config/secrets.js';

const usage = `Usage: switchboard <command> [options]

Commands:
  up        PostgreSQL + API instances + proxy: the whole product (npm start)
  api       one API instance, configured from the environment
  proxy     the load-balancing reverse proxy on its own, in front of any HTTP service
  report    the proxy's hourly/daily traffic report
  loadgen   the traffic simulator: simulated users working on boards, with a report
  backup    a consistent online snapshot of the database into a file
  restore   a backup into an empty database (or an empty DATA_DIR)
  config    config check [api|proxy|up]: the effective configuration, secrets masked
  help      this text

Run "switchboard <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  // Every role reads secrets from NAME or NAME_FILE (a mounted Kubernetes/Docker secret).
  try {
    const resolved = resolveSecretFiles(process.env);
    for (const key of Object.keys(process.env)) if (!(key in resolved)) delete process.env[key];
    Object.assign(process.env, resolved);
  } catch (err) {
    if (!(err instanceof SecretFileError)) throw err;
    console.error(`switchboard ${command ?? ''}: ${err.message}`);
    process.exit(2);
  }
  // Each command's modules are imported when it runs: a role loads only what it
  // needs (the proxy never loads the API, fastify or pg; an API instance never
  // loads the proxy), which keeps every process's start-up time and memory down.
  switch (command) {
    case 'up':
      return (await import('./commands/up.js')).runUp(rest);
    case 'api':
      return (await import('./commands/api.js')).runApi();
    case 'proxy':
      return (await import('@switchboard/proxy')).runProxyCli(rest);
    case 'report':
      return (await import('./commands/report.js')).runReport(rest);
    case 'loadgen':
      return (await import('./commands/loadgen.js')).runLoadgen(rest);
    case 'config':
      return (await import('./commands/config.js')).runConfig(rest);
    case 'backup':
      return (await import('./commands/backup.js')).runBackup(rest);
    case 'restore':
      return (await import('./commands/backup.js')).runRestore(rest);
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
