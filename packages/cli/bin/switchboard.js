#!/usr/bin/env node
// The `switchboard` command. Runs the TypeScript sources directly (through tsx,
// with the "source" export condition) so a checkout needs no build step.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Started with an IPC channel (e.g. forked by a benchmark), pass it on: `switchboard
// api` reports its port over IPC, and exits when its parent's channel closes.
const ipc = typeof process.send === 'function';
const child = spawn(
  process.execPath,
  ['--conditions=source', '--import', import.meta.resolve('tsx'), main, ...process.argv.slice(2)],
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
