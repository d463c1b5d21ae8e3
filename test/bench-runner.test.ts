import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchmarks } from '../scripts/bench/catalog.mjs';
import { resultProblems } from '../scripts/bench/result.mjs';
import { runOne, scriptCommand } from '../scripts/bench/run-one.mjs';
import { repoRoot } from '../test-support/processes.js';

/**
 * `npm run bench`'s rules (scripts/bench.mjs), without running a real
 * benchmark: what counts as a well-formed result, and how the runner reports
 * a benchmark that succeeds, lacks a reference, cannot run, fails, writes
 * nothing or nonsense, or hangs. test/bench-quick.test.ts runs the real ones.
 */
const row = {
  figure: 'req/s',
  unit: 'req/s',
  better: 'higher',
  value: 10,
  reference: 'peer',
  referenceValue: 20,
  ratio: 0.5,
};

describe('a benchmark result (scripts/bench/result.mjs)', () => {
  const good = { benchmark: 'proxy', quick: false, headline: [row], missing: [] };

  it('is well-formed with headline rows, references and ratios', () => {
    expect(resultProblems(good, 'proxy', false)).toEqual([]);
    const noReference = { ...row, reference: null, referenceValue: null, ratio: null };
    expect(resultProblems({ ...good, headline: [noReference] }, 'proxy', false)).toEqual([]);
    const skipped = { ...good, headline: [], skipped: 'wrk is missing' };
    expect(resultProblems(skipped, 'proxy', false)).toEqual([]);
  });

  it('names what is wrong', () => {
    expect(resultProblems(good, 'write', false)).toEqual(['benchmark is "proxy"']);
    expect(resultProblems(good, 'proxy', true)).toEqual(['quick is false']);
    expect(resultProblems({ ...good, headline: [] }, 'proxy', false)).toEqual([
      'headline is empty',
    ]);
    const bad = { ...row, value: Number.NaN, better: 'up', ratio: 2, referenceValue: null };
    expect(resultProblems({ ...good, headline: [bad] }, 'proxy', false)).toEqual([
      'headline[0].better',
      'headline[0].value is null',
      'headline[0] has a ratio without a reference value',
    ]);
    expect(resultProblems({ ...good, missing: [{ reference: 'x' }] }, 'proxy', false)).toEqual([
      'missing entry {"reference":"x"} lacks reference or reason',
    ]);
    expect(resultProblems([], 'proxy', false)).toEqual(['not a JSON object']);
  });
});

describe('running one benchmark (scripts/bench/run-one.mjs)', () => {
  // A fake package whose script behaves as FAKE says.
  const root = mkdtempSync(path.join(tmpdir(), 'sb-bench-runner-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ scripts: { fake: 'node fake.mjs' } }),
  );
  writeFileSync(
    path.join(root, 'fake.mjs'),
    `import { writeFileSync } from 'node:fs';
const file = process.argv[process.argv.indexOf('--json') + 1];
const quick = process.argv.includes('--quick');
const row = ${JSON.stringify(row)};
const write = (extra) =>
  writeFileSync(file, JSON.stringify({ benchmark: 'fake', quick, headline: [row], missing: [], ...extra }));
console.log('fake benchmark output');
switch (process.env.FAKE) {
  case 'ok': write({}); break;
  case 'partial': write({ missing: [{ reference: 'peer', reason: 'peer is not installed' }] }); break;
  case 'skipped': write({ headline: [], skipped: 'tool is missing' }); process.exit(1);
  case 'crash': write({}); console.error('boom'); process.exit(3);
  case 'silent': console.error('nothing to say'); process.exit(4);
  case 'garbage': writeFileSync(file, '{'); break;
  case 'malformed': write({ headline: [{ ...row, value: 'fast' }] }); break;
  case 'hang': setInterval(() => {}, 1000); break;
}
`,
  );
  const fake = { name: 'fake', what: 'a fake', dir: '.', script: 'fake' };
  const run = (mode: string, options: { quick?: boolean; timeoutMs?: number } = {}) =>
    runOne(root, fake, {
      quick: options.quick ?? false,
      jsonFile: path.join(root, `${mode}.json`),
      timeoutMs: options.timeoutMs ?? 20_000,
      env: { FAKE: mode },
    });

  it('runs the package script with --json (and --quick) and keeps its result', async () => {
    const ok = await run('ok', { quick: true });
    expect(ok).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(ok.command).toMatch(/^node fake\.mjs --json \S+ok\.json --quick$/);
    expect(ok.result?.headline).toEqual([row]);
  });

  it('reports a missing reference, a benchmark that cannot run, and failures with reasons', async () => {
    expect(await run('partial')).toMatchObject({
      status: 'partial',
      reason: 'peer: peer is not installed',
    });
    expect(await run('skipped')).toMatchObject({ status: 'skipped', reason: 'tool is missing' });
    expect(await run('crash')).toMatchObject({ status: 'failed', reason: /exited with 3: .*boom/ });
    expect(await run('silent')).toMatchObject({
      status: 'failed',
      reason: 'exited with 4 without a result: fake benchmark output / nothing to say',
    });
    expect(await run('garbage')).toMatchObject({ status: 'failed', reason: /not JSON/ });
    expect(await run('malformed')).toMatchObject({
      status: 'failed',
      reason: 'malformed result: headline[0].value is "fast"',
    });
    expect(await run('hang', { timeoutMs: 1_000 })).toMatchObject({
      status: 'failed',
      reason: 'timed out after 1 s',
    });
  });

  it('finds the command of every benchmark of the catalog in its package.json', () => {
    for (const bench of benchmarks)
      expect(scriptCommand(repoRoot, bench)).toMatch(
        /^node (--conditions=source --import tsx )?\S+/,
      );
  });
});
