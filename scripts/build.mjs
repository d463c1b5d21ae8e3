#!/usr/bin/env node
// The production build: `tsc -b` over the packages' project references
// (core, api, proxy, loadgen, cli → packages/*/dist) and the web app's Vite
// build (packages/web/dist). `npm run build` runs it in full, `npm install`
// (prepare) too; `npm start` runs it with --if-stale, which skips each step
// whose stamp is newer than every one of its sources, so a start with nothing
// changed costs one directory scan.
//
//   node scripts/build.mjs [--if-stale]
//
// Two starts at once (two terminals, a test and a user) build one after the
// other: the second waits on .build.lock and then finds the outputs fresh.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (...parts) => path.join(root, ...parts);
const tsPackages = ['core', 'api', 'proxy', 'loadgen', 'cli'];
const shared = ['package.json', 'package-lock.json', 'tsconfig.base.json'].map((f) => at(f));

/** The build's two steps, each with its inputs, outputs and a stamp written when it succeeds. */
const steps = [
  {
    name: 'packages (tsc -b)',
    stamp: at('packages/cli/dist/.build-stamp'),
    inputs: [
      ...shared,
      at('tsconfig.build.json'),
      ...tsPackages.flatMap((p) => [
        at('packages', p, 'src'),
        at('packages', p, 'package.json'),
        at('packages', p, 'tsconfig.build.json'),
      ]),
    ],
    outputs: tsPackages.map((p) => at('packages', p, 'dist/index.js')),
    tool: 'typescript/bin/tsc',
    args: (bin) => [bin, '-b', at('tsconfig.build.json')],
    cwd: root,
  },
  {
    name: 'web app (vite build)',
    stamp: at('packages/web/dist/.build-stamp'),
    inputs: [
      ...shared,
      // The web app bundles core from its sources.
      at('packages/core/src'),
      ...['src', 'public', 'index.html', 'package.json', 'tsconfig.json', 'vite.config.ts'].map(
        (f) => at('packages/web', f),
      ),
    ],
    outputs: [at('packages/web/dist/index.html')],
    tool: 'vite/bin/vite.js',
    args: (bin) => [bin, 'build', '--logLevel', 'warn'],
    cwd: at('packages/web'),
  },
];

/** Newest modification time under the given files and directories (0 when none exist). */
function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p)) visit(path.join(p, entry));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of paths) visit(p);
  return newest;
}

function isStale(step) {
  if (!step.outputs.every((f) => existsSync(f)) || !existsSync(step.stamp)) return true;
  return newestMtime(step.inputs) > statSync(step.stamp).mtimeMs;
}

/** The tool's script, resolved from the step's directory; undefined when dev dependencies are absent. */
function resolveTool(step) {
  const [pkg, ...rest] = step.tool.split('/');
  try {
    const manifest = createRequire(path.join(step.cwd, 'noop.js')).resolve(`${pkg}/package.json`);
    return path.join(path.dirname(manifest), ...rest);
  } catch {
    return undefined;
  }
}

function run(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`exit ${signal ?? code}`)),
    );
  });
}

const lockFile = at('.build.lock');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Takes .build.lock (holding our pid), waiting while a live process holds it. */
async function lock() {
  const deadline = Date.now() + 10 * 60_000;
  let told = false;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (holder && !alive(holder)) {
      // Left by a build that was killed.
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockFile} is held by process ${holder}`);
    if (!told) console.log(`build: waiting for the build in process ${holder || '?'}`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main() {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !steps.some(isStale)) return;
  await lock();
  const release = () => rm(lockFile, { force: true });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => void release().finally(() => process.exit(1)));
  }
  try {
    for (const step of steps) {
      // Re-checked under the lock: another start may just have built it.
      if (ifStale && !isStale(step)) continue;
      const tool = resolveTool(step);
      if (!tool) {
        // `npm ci --omit=dev` (a production install: the image's runtime stage,
        // scripts/production-tree.mjs) runs prepare without the compilers; the
        // build is copied in beside it.
        console.log(`build: ${step.name}: skipped, no ${step.tool} (a production install)`);
        continue;
      }
      const began = Date.now();
      console.log(`build: ${step.name}`);
      await run(step.args(tool), step.cwd);
      // Stamped with the time the step began: a source saved during it stays newer.
      await mkdir(path.dirname(step.stamp), { recursive: true });
      await writeFile(step.stamp, '');
      await utimes(step.stamp, began / 1000, began / 1000);
      console.log(`build: ${step.name} done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
  } finally {
    await release();
  }
}

main().catch((err) => {
  console.error(`build failed: ${err.message}`);
  process.exit(1);
});
