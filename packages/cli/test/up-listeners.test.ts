import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/processes.js';
import { startStack } from '../../../test-support/stack.js';

/**
 * A port in use is found before anything is created or started, and the
 * message names the variable to change.
 */
const dirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function takenPort(): Promise<number> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  servers.push(server);
  return port;
}

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-listeners-'));
  dirs.push(dir);
  return dir;
}

describe('switchboard up with a listener it cannot have', () => {
  it.each([
    ['PORT', (port: number) => ({ PORT: String(port) })],
    ['ADMIN_ADDR', (port: number) => ({ ADMIN_ADDR: `127.0.0.1:${port}` })],
  ] as const)(
    '%s in use: refused at once, naming it, before any database exists',
    async (variable, env) => {
      const port = await takenPort();
      const dir = dataDir();
      const refused = await startStack({
        dataDir: dir,
        env: env(port),
        startTimeoutMs: 60_000,
      }).then(
        () => 'started',
        (err: Error) => err.message,
      );
      expect(refused).toMatch(new RegExp(`${variable}: \\S*:${port} is in use`));
      expect(refused).not.toMatch(/EADDRINUSE|\n\s+at /);
      expect(existsSync(path.join(dir, 'pg'))).toBe(false);
    },
    90_000,
  );

  it('refuses PORT and ADMIN_ADDR on the same port', async () => {
    const port = await freePort();
    const refused = await startStack({
      dataDir: dataDir(),
      env: { PORT: String(port), ADMIN_ADDR: `127.0.0.1:${port}` },
    }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/ADMIN_ADDR: port \d+ is already PORT's/);
  }, 90_000);
});
