#!/usr/bin/env node
// `npm run bench:startup`: how fast and how light a laptop start is, compiled
// (`npm start`: the build in dist/, rebuilt only when stale) against the
// TypeScript sources through tsx (`npm run start:source`), as a user runs them.
//
// For each, one start to warm up (it initialises the embedded PostgreSQL in a
// fresh data directory; reported as "first"), then --runs starts (3) on the
// same data directory: the time from launch to the proxy's /health answering
// 200, and — after --settle seconds (5) of idling — RSS and PSS summed over the
// whole process tree (npm, `switchboard up`, the API instances, PostgreSQL),
// from /proc/<pid>/smaps_rollup. Medians are printed with the load average,
// since the machine may be shared. A benchmark: it never fails on a number.
//
//   npm run bench:startup [-- --runs 3 --settle 5 --only compiled|source --instances N]
//     [--json <file>]   also write the headline figures for `npm run bench` (scripts/bench.mjs)
//     [--quick]         one start of each with one API instance, on one data directory
//                       (new for the first), and 1 s of idling: proves it runs, figures
//                       mean nothing
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    settle: { type: 'string' },
    only: { type: 'string' },
    instances: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
// --runs 0: the first start is the measured one.
const runs = Number(values.runs ?? (quick ? 0 : 3));
const settleMs = Number(values.settle ?? (quick ? 1 : 5)) * 1000;
const instances = values.instances ?? (quick ? '1' : undefined);

const modes = [
  { name: 'compiled', script: 'start', what: 'npm start (dist/, built if stale)' },
  { name: 'source', script: 'start:source', what: 'npm run start:source (tsx)' },
].filter((m) => !values.only || m.name === values.only);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Every process under `pid` (inclusive), from /proc/<pid>/stat's parent field. */
function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const visit = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

/** What a process is, for the breakdown: npm, up, api, postgres, other. */
function kindOf(pid) {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    if (/postgres/.test(cmd)) return 'postgres';
    if (/main\.(js|ts) api\b/.test(cmd)) return 'api';
    if (/(switchboard\.js|main\.(js|ts)) up\b/.test(cmd)) return 'up';
    if (/\bnpm\b/.test(cmd)) return 'npm';
    return 'other';
  } catch {
    return 'gone';
  }
}

/** RSS and PSS (MiB) summed over the tree, in total and by kind. */
function memory(pid) {
  const total = { rss: 0, pss: 0 };
  const byKind = {};
  for (const p of processTree(pid)) {
    let text;
    try {
      text = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
    } catch {
      continue;
    }
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    const rss = kb('Rss') / 1024;
    const pss = kb('Pss') / 1024;
    total.rss += rss;
    total.pss += pss;
    const kind = kindOf(p);
    byKind[kind] ??= { n: 0, rss: 0, pss: 0 };
    byKind[kind].n++;
    byKind[kind].rss += rss;
    byKind[kind].pss += pss;
  }
  return { ...total, byKind };
}

/** What is running now, so an interrupted benchmark stops it and removes its data. */
const current = { group: undefined, exited: undefined, dataDir: undefined };
const removeDir = (dir) => {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (err) {
    console.error(`could not remove ${dir}: ${err.message}`);
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (current.group) {
      try {
        process.kill(-current.group, 'SIGINT');
      } catch {
        // gone
      }
      // `up` stops PostgreSQL before it exits; then its data can go.
      await Promise.race([current.exited, sleep(30_000)]);
      await sleep(1000);
    }
    if (current.dataDir) removeDir(current.dataDir);
    process.exit(130);
  });
}

async function startOnce(mode, dataDir) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const began = performance.now();
  const child = spawn('npm', ['run', '--silent', mode.script], {
    cwd: root,
    // Its own process group: stopped as Ctrl-C stops it.
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      ADMIN_ADDR: `127.0.0.1:${adminPort}`,
      // gRPC is tested on its own ports; tests run side by side.
      GRPC_PORT: 'off',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      ...(instances ? { API_INSTANCES: instances } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  current.group = child.pid;
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  current.exited = exited;
  try {
    let ready;
    const deadline = began + 120_000;
    while (ready === undefined) {
      if (child.exitCode !== null) throw new Error(`${mode.script} exited:\n${output}`);
      if (performance.now() > deadline) throw new Error(`${mode.script}: no /health in 120 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`, {
        signal: AbortSignal.timeout(1000),
      }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) ready = performance.now() - began;
      else await sleep(50);
    }
    await sleep(settleMs);
    return { seconds: ready / 1000, ...memory(child.pid) };
  } finally {
    try {
      process.kill(-child.pid, 'SIGINT');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 30_000);
    await exited;
    clearTimeout(timer);
    current.group = undefined;
    // Let the embedded PostgreSQL finish stopping before the next start.
    await sleep(1000);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

console.log(
  `startup benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, ` +
    `${runs} runs each after a first start, ${settleMs / 1000} s idle before measuring memory`,
);
console.log(`load average before: ${load()}`);
const results = [];
// Quick mode: one data directory for both (a second initdb would double its time).
const sharedDir = quick ? mkdtempSync(path.join(tmpdir(), 'sb-bench-startup-quick-')) : undefined;
for (const mode of modes) {
  const dataDir = sharedDir ?? mkdtempSync(path.join(tmpdir(), `sb-bench-startup-${mode.name}-`));
  current.dataDir = dataDir;
  try {
    const first = await startOnce(mode, dataDir);
    const measured = [];
    for (let i = 0; i < runs; i++) measured.push(await startOnce(mode, dataDir));
    if (runs === 0) measured.push(first);
    const kinds = Object.keys(measured[0].byKind);
    const result = {
      mode: mode.name,
      what: mode.what,
      first: first.seconds,
      seconds: median(measured.map((m) => m.seconds)),
      all: measured.map((m) => m.seconds),
      rss: median(measured.map((m) => m.rss)),
      pss: median(measured.map((m) => m.pss)),
      byKind: Object.fromEntries(
        kinds.map((k) => [
          k,
          {
            n: measured[0].byKind[k].n,
            rss: median(measured.map((m) => m.byKind[k]?.rss ?? 0)),
            pss: median(measured.map((m) => m.byKind[k]?.pss ?? 0)),
          },
        ]),
      ),
      load: load(),
    };
    results.push(result);
    console.log(
      `\n${mode.what}\n  /health after ${result.seconds.toFixed(1)} s (median; runs ` +
        `${result.all.map((s) => s.toFixed(1)).join(', ')}; first start with a new data directory ${result.first.toFixed(1)} s)\n` +
        `  idle memory RSS ${result.rss.toFixed(0)} MiB, PSS ${result.pss.toFixed(0)} MiB (median, whole process tree)`,
    );
    for (const [k, v] of Object.entries(result.byKind))
      console.log(
        `    ${k.padEnd(9)} ×${String(v.n).padEnd(2)} RSS ${v.rss.toFixed(0).padStart(4)} MiB  PSS ${v.pss.toFixed(0).padStart(4)} MiB`,
      );
    console.log(`  load average after: ${result.load}`);
  } finally {
    if (!sharedDir) removeDir(dataDir);
  }
}
if (sharedDir) removeDir(sharedDir);
if (results.length === 2) {
  const [compiled, source] = results;
  console.log(
    `\ncompiled / source: time ${(compiled.seconds / source.seconds).toFixed(2)}, ` +
      `RSS ${(compiled.rss / source.rss).toFixed(2)}, PSS ${(compiled.pss / source.pss).toFixed(2)}`,
  );
}

// `--json <file>`: the result `npm run bench` collects (scripts/bench/result.mjs):
// compiled against tsx (`start:source`), which this run measured too.
if (values.json) {
  const compiled = results.find((r) => r.mode === 'compiled');
  const source = results.find((r) => r.mode === 'source');
  const round = (n) => Math.round(n * 100) / 100;
  const row = (figure, unit, pick) => ({
    figure,
    unit,
    better: 'lower',
    value: compiled ? round(pick(compiled)) : null,
    reference: 'tsx (start:source)',
    referenceValue: source ? round(pick(source)) : null,
    ratio: compiled && source ? round(pick(compiled) / pick(source)) : null,
  });
  const result = {
    benchmark: 'startup',
    quick,
    headline: [
      row('time to /health', 's', (r) => r.seconds),
      row('idle RSS, whole tree', 'MiB', (r) => r.rss),
      row('idle PSS, whole tree', 'MiB', (r) => r.pss),
    ],
    missing: [],
    details: { runs, settleSeconds: settleMs / 1000, instances: instances ?? 'default', results },
  };
  writeFileSync(values.json, JSON.stringify(result, null, 2));
}
