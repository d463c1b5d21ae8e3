#!/usr/bin/env node
// The `switchboard` command. Runs the compiled output (dist/, made by
// `npm run build`, which `npm install` runs) in this very process, so a start
// costs one Node process and no TypeScript compiler. Run with the "source"
// export condition (`node --conditions=source …/switchboard.js`) it runs the
// TypeScript sources through tsx instead, as tests and `npm run start:source` do.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Whether Node runs with `--conditions=source` (or `-C source`), on the command line or in NODE_OPTIONS. */
function sourceCondition() {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some(
    (flag, i) =>
      flag === '--conditions=source' ||
      flag === '-C=source' ||
      ((flag === '--conditions' || flag === '-C') && flags[i + 1] === 'source'),
  );
}

function tsxAvailable() {
  try {
    import.meta.resolve('tsx');
    return true;
  } catch {
    return false;
  }
}

if (!sourceCondition() && existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else if (tsxAvailable()) {
  if (!sourceCondition())
    console.error(
      'switchboard: no build in packages/cli/dist (npm run build); running the sources',
    );
  runSource();
} else {
  console.error(
    `switchboard: ${compiled} is missing; run "npm run build" (the sources need tsx, a dev dependency)`,
  );
  process.exit(1);
}

function runSource() {
  // Started with an IPC channel (e.g. forked by a benchmark), pass it on: `switchboard
  // api` reports its port over IPC, and exits when its parent's channel closes.
  const ipc = typeof process.send === 'function';
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      import.meta.resolve('tsx'),
      source,
      ...process.argv.slice(2),
    ],
    { stdio: ipc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit' },
  );
  if (ipc) {
    child.on('message', (message) => process.send?.(message));
    process.on('message', (message) => child.connected && child.send(message));
    process.on('disconnect', () => child.connected && child.disconnect());
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
