import { spawn } from 'node:child_process';
import { repoRoot, sourceCondition, switchboardBin } from '../../../../test-support/processes.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `switchboard <args>` to completion with the given environment on top of ours. */
export function runSwitchboard(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 120_000,
): Promise<RunResult> {
  const child = spawn(process.execPath, [...sourceCondition, switchboardBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`switchboard ${args.join(' ')} did not finish:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
