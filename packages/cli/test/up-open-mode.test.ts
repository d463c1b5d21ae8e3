import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../../../test-support/stack.js';

/**
 * Switching a data directory that has accounts to AUTH_MODE=open would show
 * every private board to anonymous visitors as their owner: `up` refuses,
 * says why and what to do, and leaves nothing running.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-open-switch-'));
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('AUTH_MODE=open on a data directory with accounts', () => {
  it('is refused, naming AUTH_MODE and DATA_DIR, with nothing left running', async () => {
    stack = await startStack({ dataDir, instances: 1, startTimeoutMs: 150_000 });
    const register = await fetch(`${stack.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'private', password: 'correct horse battery' }),
    });
    expect(register.status).toBe(201);
    const { token } = (await register.json()) as { token: string };
    const board = await fetch(`${stack.url}/api/boards`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Secret plans' }),
    });
    expect(board.status).toBe(201);
    expect(await stack.stop()).toBe(0);
    stack = undefined;

    const refused = await startStack({
      dataDir,
      instances: 1,
      env: { AUTH_MODE: 'open' },
      startTimeoutMs: 150_000,
    }).then(
      (s) => {
        stack = s;
        return 'started';
      },
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/exited \(2\)/);
    expect(refused).toMatch(
      /switchboard up: AUTH_MODE: open mode would show every board of this database's 1 account\(s\), private ones included, to anyone; run open mode on a data directory \(DATA_DIR\)/,
    );
    expect(refused).not.toMatch(/\n\s+at /);
    // The embedded database it started to look is stopped again.
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    if (existsSync(pidFile))
      expect(isAlive(Number(readFileSync(pidFile, 'utf8').split('\n')[0]))).toBe(false);
  }, 400_000);
});
