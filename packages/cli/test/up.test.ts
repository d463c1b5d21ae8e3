import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../../../test-support/stack.js';
import { isAlive } from '../src/process-alive.js';

/**
 * `npm start` as a user runs it: no DATABASE_URL, so an embedded PostgreSQL,
 * API instances behind the proxy, the admin API beside it.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-up-test-'));
let stack: Stack | undefined;
afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('switchboard up', () => {
  it('serves the product through the proxy, survives a killed instance, and keeps data across restarts', async () => {
    const t0 = Date.now();
    stack = await startStack({ dataDir, instances: 2 });
    const health = await fetch(`${stack.url}/health`);
    console.log(
      `switchboard up answered /health after ${Date.now() - t0} ms (embedded PostgreSQL, fresh data dir)`,
    );
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('OK');

    // The web app (or, unbuilt, a notice saying how to build it) at /, deep links included.
    for (const page of ['/', '/boards/1']) {
      const res = await fetch(`${stack.url}${page}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }

    // Through the proxy, round-robin over both instances.
    const servedBy = new Set<string>();
    for (let i = 0; i < 4; i++)
      servedBy.add((await fetch(`${stack.url}/api/openapi.json`)).headers.get('x-served-by')!);
    expect([...servedBy].sort()).toEqual(['api-1', 'api-2']);

    const register = await fetch(`${stack.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'persistent', password: 'correct horse battery' }),
    });
    expect(register.status).toBe(201);
    const { token } = (await register.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const board = await fetch(`${stack.url}/api/boards`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Survives restarts' }),
    });
    expect(board.status).toBe(201);

    // SIGKILL one instance while reading: no request fails, the admin API shows it down.
    const pids = stack.apiPids();
    expect([...pids.keys()].sort()).toEqual(['api-1', 'api-2']);
    const victim = pids.get('api-2')!;
    let failures = 0;
    let killed = false;
    for (let i = 0; i < 200; i++) {
      if (i === 20) {
        process.kill(victim, 'SIGKILL');
        killed = true;
      }
      const res = await fetch(`${stack.url}/api/boards`, { headers: auth });
      if (res.status !== 200) failures++;
    }
    expect(killed).toBe(true);
    expect(failures).toBe(0);
    const admin = await fetch(`${stack.adminUrl}/admin/backends`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    const backends = (
      (await admin.json()) as {
        backends: { id: string; state: string; stats: { failures: number } }[];
      }
    ).backends;
    const seen = backends.find((b) => b.id === 'api-2')!;
    // The kill was seen: reads routed there failed over (counted) or it is out of rotation.
    expect(seen.stats.failures > 0 || seen.state !== 'up').toBe(true);
    // The supervisor brings it back (on the same port) and the proxy takes it in again.
    for (let i = 0; i < 100; i++) {
      const again = (await (
        await fetch(`${stack.adminUrl}/admin/backends`, {
          headers: { authorization: `Bearer ${stack.adminToken}` },
        })
      ).json()) as { backends: { id: string; state: string }[] };
      if (again.backends.every((b) => b.state === 'up')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const successor = stack.apiPids().get('api-2');
    expect(successor).toBeDefined();
    expect(successor).not.toBe(victim);

    // A clean stop leaves nothing running.
    const all = [...stack.apiPids().values()];
    expect(await stack.stop()).toBe(0);
    for (const pid of all) expect(isAlive(pid)).toBe(false);

    // Same data directory: the embedded database is reused.
    stack = await startStack({ dataDir, instances: 2 });
    const login = await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'persistent', password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    const { token: again } = (await login.json()) as { token: string };
    const boards = await fetch(`${stack.url}/api/boards`, {
      headers: { authorization: `Bearer ${again}` },
    });
    expect(
      ((await boards.json()) as { boards: { title: string }[] }).boards.map((b) => b.title),
    ).toEqual(['Survives restarts']);
  }, 120_000);

  it('stops with everything it started when npm start alone is killed', async () => {
    const { spawn } = await import('node:child_process');
    const { freePort } = await import('../../../test-support/processes.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-npm-start-'));
    const [port, adminPort] = [await freePort(), await freePort()];
    const npm = spawn('npm', ['start'], {
      cwd: path.resolve(import.meta.dirname, '../../..'),
      env: {
        ...process.env,
        PORT: String(port),
        ADMIN_ADDR: `127.0.0.1:${adminPort}`,
        // gRPC is tested on its own ports; tests run side by side.
        GRPC_PORT: 'off',
        DATA_DIR: dir,
        API_INSTANCES: '1',
        DATABASE_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout!.on('data', (d) => (output += d));
    npm.stderr!.on('data', (d) => (output += d));
    for (let i = 0; i < 600 && !output.includes('ready in'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('ready in');
    // SIGTERM to npm only (a process manager might do this): npm does not pass it on.
    npm.kill('SIGTERM');
    let stopped = false;
    for (let i = 0; i < 100 && !stopped; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stopped = await fetch(`http://127.0.0.1:${port}/health`).then(
        () => false,
        () => true,
      );
    }
    expect(stopped).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('refuses bad configuration naming the variable', async () => {
    await expect(
      startStack({ env: { API_INSTANCES: 'many' }, startTimeoutMs: 20_000 }),
    ).rejects.toThrow(/API_INSTANCES: /);
  });
});
