import { spawn, spawnSync } from 'node:child_process';

/**
 * `promtool` (Debian's `prometheus` package), the reference parser and linter
 * of the Prometheus text format. Absent: undefined, and the caller skips
 * loudly — except in CI, where .ci/run installs it and absence is a failure.
 */
export function promtoolAvailable(): boolean {
  const found = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true')
    throw new Error('promtool is required in CI (apt-get install prometheus)');
  if (!found) console.warn('\n⚠️  SKIPPING promtool checks: promtool is not installed\n');
  return found;
}

/** `promtool check metrics` on an exposition: its exit code and what it said. */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

/** Runs promtool with arguments (e.g. `check rules`, `test rules`): its exit code and what it said. */
export function promtoolRun(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
