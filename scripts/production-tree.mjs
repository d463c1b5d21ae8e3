#!/usr/bin/env node
// The runtime stage of the Dockerfile, without Docker: a directory holding
// only the package manifests, the production dependencies
// (`npm ci --omit=dev`) and the built output (packages/*/dist) — no sources,
// no TypeScript, no Vite. packages/cli/test/production-build.test.ts starts
// every role from it; the Dockerfile copies the same paths (test/dockerfile.test.ts
// checks that both name them).
//
//   npm run build && node scripts/production-tree.mjs [DIR]   # prints DIR
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Copied before `npm ci --omit=dev`: what the install reads (and its prepare script runs). */
export const manifestFiles = [
  'package.json',
  'package-lock.json',
  '.npmrc',
  'scripts/build.mjs',
  'packages/core/package.json',
  'packages/api/package.json',
  'packages/proxy/package.json',
  'packages/web/package.json',
  'packages/loadgen/package.json',
  'packages/cli/package.json',
  // Before the install, so npm links node_modules/.bin/switchboard to it.
  'packages/cli/bin',
];

/** Copied after the install: the build and what the command serves or runs besides it. */
export const builtFiles = [
  'packages/core/dist',
  'packages/api/dist',
  'packages/proxy/dist',
  'packages/web/dist',
  'packages/loadgen/dist',
  'packages/cli/dist',
  'packages/cli/fallback-web',
];

/** The install command of the runtime stage (and of the Dockerfile). */
export const installArgs = ['ci', '--omit=dev', '--no-audit', '--no-fund'];

function npm(args, cwd, log) {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      log(output.trimEnd());
      if (code === 0) resolve();
      else reject(new Error(`npm ${args.join(' ')} failed (exit ${code}):\n${output}`));
    });
  });
}

/**
 * Makes the production tree in `dir` (a new temporary directory by default)
 * from this checkout's build, and returns its path. The caller removes it.
 */
export async function productionTree({ dir, log = () => {} } = {}) {
  const target = dir ?? (await mkdtemp(path.join(tmpdir(), 'switchboard-production-')));
  // Run as root, the embedded PostgreSQL runs as the `postgres` user, who must
  // reach its binaries in here (mkdtemp makes the directory 0700).
  await chmod(target, 0o755);
  const missing = [];
  const copy = async (rel) => {
    await mkdir(path.dirname(path.join(target, rel)), { recursive: true });
    await cp(path.join(root, rel), path.join(target, rel), {
      recursive: true,
      // Build bookkeeping, not output.
      filter: (src) => !src.endsWith('.tsbuildinfo') && !src.endsWith('.build-stamp'),
    }).catch((err) => {
      if (err.code === 'ENOENT') missing.push(rel);
      else throw err;
    });
  };
  for (const rel of manifestFiles) await copy(rel);
  // Offline first: the lock file pins what the checkout's own install fetched.
  await npm([...installArgs, '--prefer-offline'], target, log);
  for (const rel of builtFiles) await copy(rel);
  if (missing.length) throw new Error(`not found (npm run build first?): ${missing.join(', ')}`);
  const lock = JSON.parse(await readFile(path.join(target, 'package-lock.json'), 'utf8'));
  log(`production tree in ${target} (${lock.name} ${lock.version})`);
  return target;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  productionTree({ dir, log: (line) => line && console.error(line) }).then(
    (target) => console.log(target),
    (err) => {
      console.error(`production-tree: ${err.message}`);
      process.exit(1);
    },
  );
}
