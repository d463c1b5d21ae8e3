#!/usr/bin/env node
// `npm run bench`: every benchmark in turn (scripts/bench/catalog.mjs), each
// with its own output as when run alone, then ONE summary of their headline
// figures as ratios against the references each measured in the same run,
// with the machine, the load average before and after, and the commit:
// bench-results/<time>.md and .json, copied to bench-results/latest.md|json.
// A benchmark that fails or cannot run here is reported with the reason and
// the next one runs; the exit code is 1 if any failed. Never fails on a number.
//
//   npm run bench [-- --only proxy,write] [--quick] [--out <dir>] [--timeout <seconds>]
//
// --quick runs each benchmark for a few seconds with tiny sizes, to prove that
// none has rotted (test/bench-quick.test.ts runs it in CI): its figures mean
// nothing, and its files are <time>-quick.* and latest-quick.*.
// Scratch databases go on BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres (an administrative URL).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchmarks } from './bench/catalog.mjs';
import { describeMachine, loadAverage } from './bench/machine.mjs';
import { renderMarkdown } from './bench/report.mjs';
import { runOne, stopCurrent } from './bench/run-one.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    timeout: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const names = benchmarks.map((b) => b.name);
if (values.help) {
  console.log(
    `npm run bench [-- --only ${names.join(',')}] [--quick] [--out <dir>] [--timeout <seconds>]`,
  );
  process.exit(0);
}
const wanted = values.only?.split(',').map((n) => n.trim()) ?? names;
const unknown = wanted.filter((n) => !names.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; there are: ${names.join(', ')}`);
  process.exit(2);
}
const quick = values.quick;
// Per benchmark: the longest full one (fan-out at 5 000 watchers) takes some minutes.
const timeoutMs = Number(values.timeout ?? (quick ? 180 : 1800)) * 1000;
const outDir = path.resolve(values.out ?? path.join(root, 'bench-results'));
const adminUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    console.error(`\nbench: ${signal}, stopping the running benchmark…`);
    void stopCurrent('SIGINT').then(() => process.exit(130));
  });
}

mkdirSync(outDir, { recursive: true });
// Each benchmark's own --json file; the summary takes them in whole.
const scratch = mkdtempSync(path.join(tmpdir(), 'sb-bench-'));
const started = new Date();
const stamp = started
  .toISOString()
  .replace(/:/g, '-')
  .replace(/\.\d+Z$/, 'Z');
const base = `${stamp}${quick ? '-quick' : ''}`;
const summary = {
  version: 1,
  quick,
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  started: started.toISOString(),
  finished: '',
  seconds: 0,
  machine: describeMachine(root),
  loadAverage: { before: loadAverage(), after: [] },
  benchmarks: [],
};

for (const bench of benchmarks.filter((b) => wanted.includes(b.name))) {
  if (interrupted) break;
  console.log(`\n━━ bench ${bench.name}: ${bench.what}${quick ? ' (quick)' : ''}\n`);
  const outcome = await runOne(root, bench, {
    quick,
    jsonFile: path.join(scratch, `${bench.name}.json`),
    timeoutMs,
    env: { BENCH_DATABASE_URL: adminUrl, ...bench.env?.(adminUrl) },
  });
  summary.benchmarks.push({ name: bench.name, what: bench.what, ...outcome });
  const note = outcome.reason ? `: ${outcome.reason}` : '';
  const loud = outcome.status === 'ok' ? '' : '  <<<<';
  console.log(`\n━━ bench ${bench.name}: ${outcome.status} in ${outcome.seconds} s${note}${loud}`);
}

rmSync(scratch, { recursive: true, force: true });
const finished = new Date();
summary.finished = finished.toISOString();
summary.seconds = Math.round((finished.getTime() - started.getTime()) / 100) / 10;
summary.loadAverage.after = loadAverage();
const markdown = renderMarkdown(summary);
const files = { json: path.join(outDir, `${base}.json`), md: path.join(outDir, `${base}.md`) };
writeFileSync(files.json, `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(files.md, markdown);
const latest = quick ? 'latest-quick' : 'latest';
copyFileSync(files.json, path.join(outDir, `${latest}.json`));
copyFileSync(files.md, path.join(outDir, `${latest}.md`));

console.log(`\n${markdown}`);
console.log(`summary: ${path.relative(process.cwd(), files.md)} and .json (also ${latest}.*)`);
process.exitCode = summary.benchmarks.some((b) => b.status === 'failed') ? 1 : 0;
