// Runs one benchmark of the catalog as its npm script would, passing its
// output through unchanged, and classifies what came of it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { resultProblems } from './result.mjs';

/** Current child's process group, so an interrupted runner stops it (see stopCurrent). */
let current;

/** Passes a signal to the running benchmark's process group; each benchmark cleans up on SIGINT. */
export function stopCurrent(signal = 'SIGINT') {
  if (!current) return Promise.resolve();
  try {
    process.kill(-current.pid, signal);
  } catch {
    // already gone
  }
  return current.exited;
}

/** The command line of `script` in `dir`/package.json: what `npm run` would run, minus npm. */
export function scriptCommand(root, bench) {
  const pkg = JSON.parse(readFileSync(path.join(root, bench.dir, 'package.json'), 'utf8'));
  const command = pkg.scripts?.[bench.script];
  if (!command) throw new Error(`${bench.dir}/package.json has no script "${bench.script}"`);
  return command;
}

/**
 * Runs `bench` with `--json <jsonFile>` (and `--quick`) and returns
 * { status, seconds, exitCode, reason?, result? }, status being
 *   ok       a well-formed result with every reference measured
 *   partial  a well-formed result, some reference missing (reason says which and why)
 *   skipped  it could not run here, by its own account (a tool is missing)
 *   failed   it exited non-zero, timed out, or wrote no or a malformed result
 */
export async function runOne(root, bench, { quick, jsonFile, timeoutMs, env }) {
  rmSync(jsonFile, { force: true });
  const command = scriptCommand(root, bench);
  const args = ['--json', jsonFile, ...(quick ? ['--quick'] : [])];
  const started = performance.now();
  // npm would run `sh -c "<script> <args>"` in the package directory with
  // node_modules/.bin on PATH; doing the same saves npm's start-up per layer.
  const child = spawn('sh', ['-c', `${command} "$@"`, 'sh', ...args], {
    cwd: path.join(root, bench.dir),
    env: {
      ...process.env,
      ...env,
      PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a timeout or Ctrl-C stops the benchmark and what it started.
    detached: true,
  });
  const tail = [];
  const keep = (chunk) => {
    tail.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== ''),
    );
    tail.splice(0, Math.max(0, tail.length - 80));
  };
  child.stdout.on('data', (d) => {
    process.stdout.write(d);
    keep(d);
  });
  child.stderr.on('data', (d) => {
    process.stderr.write(d);
    keep(d);
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  const exited = new Promise((resolve) => {
    child.once('error', (err) => resolve({ code: null, error: err }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  }).then(async (how) => {
    // Its output ends when every process holding it has gone; one it left behind
    // in its group (which it should not) is stopped after a grace period.
    const grace = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // none left
      }
    }, 5_000);
    await closed;
    clearTimeout(grace);
    return how;
  });
  current = { pid: child.pid, exited };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopCurrent('SIGINT');
    // A benchmark that does not stop on SIGINT in 30 s is killed outright.
    setTimeout(() => stopCurrent('SIGKILL'), 30_000).unref();
  }, timeoutMs);
  const { code, signal, error } = await exited;
  clearTimeout(timer);
  current = undefined;
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const base = { seconds, exitCode: code, command: `${command} ${args.join(' ')}`, dir: bench.dir };
  // The error it died of (Node prints a stack and the error's fields after it), else its last lines.
  const lastWords =
    tail.findLast((l) => /^\s*(Uncaught )?\w*Error\b/.test(l))?.trim() ??
    (tail.slice(-3).join(' / ') || 'no output');

  if (error) return { ...base, status: 'failed', reason: `could not start: ${error.message}` };
  if (timedOut)
    return { ...base, status: 'failed', reason: `timed out after ${timeoutMs / 1000} s` };
  let result;
  if (existsSync(jsonFile)) {
    try {
      result = JSON.parse(readFileSync(jsonFile, 'utf8'));
    } catch (err) {
      return { ...base, status: 'failed', reason: `its result is not JSON: ${err.message}` };
    }
  }
  if (result === undefined) {
    const how = code === 0 ? 'exited 0' : `exited with ${signal ?? code}`;
    return { ...base, status: 'failed', reason: `${how} without a result: ${lastWords}` };
  }
  const problems = resultProblems(result, bench.name, quick);
  if (problems.length > 0)
    return {
      ...base,
      status: 'failed',
      reason: `malformed result: ${problems.join('; ')}`,
      result,
    };
  if (result.skipped !== undefined)
    return { ...base, status: 'skipped', reason: result.skipped, result };
  if (code !== 0)
    return {
      ...base,
      status: 'failed',
      reason: `exited with ${signal ?? code}: ${lastWords}`,
      result,
    };
  if (result.missing.length > 0) {
    const reason = result.missing.map((m) => `${m.reference}: ${m.reason}`).join('; ');
    return { ...base, status: 'partial', reason, result };
  }
  return { ...base, status: 'ok', result };
}
