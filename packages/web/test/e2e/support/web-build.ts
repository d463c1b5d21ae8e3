import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const repoRoot = path.resolve(webDir, '../..');
const dist = path.join(webDir, 'dist');

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

/** Sources the bundle is made of: the app and @switchboard/core (bundled from src). */
function sourcesNewest(): number {
  return Math.max(
    newestMtime(path.join(webDir, 'src')),
    newestMtime(path.join(webDir, 'public')),
    newestMtime(path.join(webDir, 'index.html')),
    newestMtime(path.join(webDir, 'vite.config.ts')),
    newestMtime(path.join(repoRoot, 'packages/core/src')),
  );
}

function isStale(): boolean {
  const built = path.join(dist, 'index.html');
  return !existsSync(built) || statSync(built).mtimeMs < sourcesNewest();
}

/**
 * Makes sure packages/web/dist (what `switchboard up` serves) is built from
 * the current sources. Test files may run at once: a lock directory lets one
 * build while the others wait, and the new build replaces the old in one
 * rename, so a server reading dist never sees it half-written.
 */
export async function ensureWebBuild(): Promise<void> {
  if (!isStale()) return;
  const lock = path.join(tmpdir(), 'switchboard-web-e2e-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a build that died.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for the web build lock');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!isStale()) return;
    const out = path.join(webDir, `.dist-e2e-${process.pid}`);
    const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
    const result = spawnSync(
      process.execPath,
      [vite, 'build', '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'],
      // Vite builds for NODE_ENV when it is set, and vitest sets it to "test":
      // without this the e2e tests (and `npm start` after them) ran React's
      // development build.
      { cwd: webDir, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
    );
    if (result.status !== 0) {
      rmSync(out, { recursive: true, force: true });
      throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
    }
    const old = path.join(webDir, `.dist-old-${process.pid}`);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(out, dist);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmdirSync(lock);
  }
}
