import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/processes.js';
import { startStack } from '../../../test-support/stack.js';
import { defaultGrpcPortTaken } from '../src/up/listeners-free.js';
import { parseUpConfig } from '../src/up-config.js';

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
    ['GRPC_PORT', (port: number) => ({ GRPC_PORT: String(port) })],
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

  it('the default gRPC port is given up, with the reason, when taken; an explicit one is not', async () => {
    const port = await takenPort();
    const free = await freePort();
    // Only the default is negotiable: an explicit GRPC_PORT goes through the strict check above.
    const asDefault = { ...parseUpConfig([], {}), grpcPort: port };
    expect(asDefault.grpcPortExplicit).toBe(false);
    expect(await defaultGrpcPortTaken(asDefault)).toMatch(new RegExp(`:${port} is not free`));
    expect(await defaultGrpcPortTaken({ ...asDefault, grpcPort: free })).toBeUndefined();
    const onPort = { ...asDefault, port: free, grpcPort: free };
    expect(await defaultGrpcPortTaken(onPort)).toBe(`port ${free} is PORT's`);
    const explicit = parseUpConfig([], { GRPC_PORT: String(port) });
    expect(explicit.grpcPortExplicit).toBe(true);
    expect(await defaultGrpcPortTaken(explicit)).toBeUndefined();
  });

  it('refuses GRPC_PORT on PORT', async () => {
    const port = await freePort();
    const refused = await startStack({
      dataDir: dataDir(),
      env: { PORT: String(port), GRPC_PORT: String(port) },
    }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/GRPC_PORT: port \d+ is already PORT's/);
  }, 90_000);
});
