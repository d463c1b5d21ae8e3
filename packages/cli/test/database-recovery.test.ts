import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/processes.js';
import { type Stack, startStack } from '../../../test-support/stack.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/embedded-postgres.js';
import { sleep, stackTraces, waitUntil } from './support/wait.js';
import { WriteStream, type WriteStreamResult } from './support/write-stream.js';

/**
 * The database dies under a stream of writes and the product comes back by
 * itself: `up` restarts its embedded PostgreSQL (crash recovery, same port
 * and data directory), the API instances answer 503 meanwhile, stay up and
 * reconnect; no write that got a 201 is lost. The same with DATABASE_URL
 * naming a server that is stopped and started again.
 */
let stack: Stack | undefined;
let privateServer: EmbeddedDatabase | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await privateServer?.stop();
  privateServer = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** What a client may see while the database is away: a write, or a coded 503. */
const allowed = new Set(['201', '503 SB_ERR_UNAVAILABLE', '503 SB_ERR_NO_BACKEND']);

async function check(stream: WriteStream, result: WriteStreamResult, what: string) {
  const titles = await stream.titles();
  const lost = result.acknowledged.filter((title) => !titles.has(title));
  console.log(
    `${what}: first 201 again ${((result.recoveredAfterMs ?? NaN) / 1000).toFixed(1)} s after; ` +
      `${result.acknowledged.length} writes acknowledged, ${lost.length} lost; answers ${JSON.stringify(result.statuses)}`,
  );
  expect(Object.keys(result.statuses).filter((s) => !allowed.has(s))).toEqual([]);
  expect(lost).toEqual([]);
}

describe('the database dies under writes', () => {
  it('up restarts its embedded PostgreSQL after a SIGKILL; instances stay up; nothing acknowledged is lost', async () => {
    stack = await startStack({ instances: 2, env: { AUTH_MODE: 'open' }, startTimeoutMs: 150_000 });
    const pidFile = path.join(stack.dataDir, 'pg', 'postmaster.pid');
    const postmasterPid = () => Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const instances = stack.apiPids();
    const stream = new WriteStream(stack.url, 1);
    await waitUntil(() => stream.acknowledged.length >= 20, 'writes before the kill', 30_000);

    const killed = postmasterPid();
    process.kill(killed, 'SIGKILL');
    stream.markBreak();
    await waitUntil(() => stream.recovered, 'a 201 after the kill', 90_000);
    await sleep(300);
    const result = await stream.stop();
    await check(stream, result, 'embedded PostgreSQL SIGKILLed');

    const restarted = postmasterPid();
    expect(restarted).not.toBe(killed);
    expect(isAlive(restarted)).toBe(true);
    // The same instances: none crashed or was restarted.
    expect(stack.apiPids()).toEqual(instances);
    expect(stack.output()).toMatch(/PostgreSQL exited \(SIGKILL\); restarting/);
    expect(stack.output()).toMatch(/PostgreSQL is back on port/);
    expect(stackTraces(stack.output())).toEqual([]);

    // Still in up's care: a stop leaves no server behind.
    expect(await stack.stop()).toBe(0);
    stack = undefined;
    expect(isAlive(restarted)).toBe(false);
  }, 400_000);

  it('with DATABASE_URL, a server stopped and started again is found again; nothing acknowledged is lost', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-private-pg-'));
    dirs.push(dir);
    const port = await freePort();
    privateServer = await startEmbeddedPostgres({ dataDir: dir, port });
    stack = await startStack({
      instances: 2,
      env: { AUTH_MODE: 'open', DATABASE_URL: privateServer.tcpUrl },
      startTimeoutMs: 150_000,
    });
    const instances = stack.apiPids();
    const stream = new WriteStream(stack.url, 1);
    await waitUntil(() => stream.acknowledged.length >= 20, 'writes before the stop', 30_000);

    await privateServer.stop();
    privateServer = undefined;
    stream.markBreak();
    await sleep(1_500);
    privateServer = await startEmbeddedPostgres({ dataDir: dir, port });
    await waitUntil(() => stream.recovered, 'a 201 after the restart', 90_000);
    await sleep(300);
    const result = await stream.stop();
    await check(stream, result, 'DATABASE_URL server stopped for 1.5 s');

    expect(stack.apiPids()).toEqual(instances);
    expect(stackTraces(stack.output())).toEqual([]);
  }, 400_000);
});
