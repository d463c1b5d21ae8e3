import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/processes.js';
import { sleep, stackTraces, waitUntil } from './support/wait.js';
import { WriteStream } from './support/write-stream.js';

/**
 * Ctrl-C in a terminal sends SIGINT to the whole process group: npm, up, the
 * API instances and PostgreSQL all get it at once (a service manager's stop
 * sends SIGTERM the same way). Whichever process gets it first, the stop is
 * quick and quiet: no stack trace, nothing left running.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-signals-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

async function npmStartInOwnGroup() {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    // Its own process group, as a terminal gives a foreground job.
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      ADMIN_ADDR: `127.0.0.1:${adminPort}`,
      // gRPC is tested on its own ports; tests run side by side.
      GRPC_PORT: 'off',
      DATA_DIR: dataDir,
      API_INSTANCES: '2',
      AUTH_MODE: 'open',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitUntil(
    () => output.includes('ready in') || child.exitCode !== null,
    'npm start to get ready',
    120_000,
  );
  expect(output).toContain('ready in');
  return { pgid: child.pid!, url: `http://127.0.0.1:${port}`, output: () => output };
}

describe.each(['SIGINT', 'SIGTERM'] as const)('%s to the whole process group', (signal) => {
  it('stops everything quickly and quietly, writes in flight', async () => {
    const run = await npmStartInOwnGroup();
    const stream = new WriteStream(run.url, 1);
    await waitUntil(() => stream.acknowledged.length >= 10, 'writes in flight', 30_000);

    const t0 = Date.now();
    process.kill(-run.pgid, signal);
    await waitUntil(() => !groupAlive(run.pgid), 'the process group to exit', 30_000, 50);
    const elapsed = Date.now() - t0;
    await stream.stop();
    await sleep(100);
    console.log(`${signal} to the group: everything gone after ${elapsed} ms`);

    // Generous: about 2 s on a quiet machine, shared cores here.
    expect(elapsed).toBeLessThan(8_000);
    expect(run.output()).toContain(`${signal}: stopping`);
    expect(stackTraces(run.output())).toEqual([]);
  }, 180_000);
});
