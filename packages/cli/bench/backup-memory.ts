/**
 * Memory flatness of backup and restore: the peak RSS of `switchboard backup`
 * and `restore` for a database of N and 3N events should be the same (they
 * stream), while the file and the time grow with N. Prints one line per size.
 *
 *   npm run bench:backup -w @switchboard/cli [-- 300000 900000]
 *     [--json <file>]   also write the headline figures for `npm run bench` (scripts/bench.mjs):
 *                       peak RSS at the largest size against the smallest (flat is 1.0)
 *     [--quick]         one size, 2 000 events (no ratio then): proves it runs, figures mean
 *                       nothing
 *
 * BENCH_DATABASE_URL: an administrative URL of a PostgreSQL server to create
 * scratch databases on (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { migrateToLatest, openDatabase } from '@switchboard/api';
import pg from 'pg';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { values, positionals } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const quick = values.quick;
const sizes = positionals.map(Number);
if (sizes.length === 0) sizes.push(...(quick ? [2_000] : [300_000, 900_000]));
const measured: { events: number; fileMb: number; backup: Measured; restore: Measured }[] = [];
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'sb-bench-backup-'));

function urlOf(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One board with `events` events of a realistic size (a task.updated payload). */
async function seed(url: string, events: number): Promise<void> {
  const handle = openDatabase(url, 1);
  await migrateToLatest(handle.db);
  await handle.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO boards (title, created_by, seq) VALUES ('bench', 1, $1)`, [
      events,
    ]);
    await client.query(
      `INSERT INTO board_events (board_id, seq, id, type, actor, payload)
       SELECT 1, s, gen_random_uuid(), 'task.updated', 1,
              jsonb_build_object('task', jsonb_build_object('id', s % 5000 + 1, 'title', 'Task ' || s,
                'description', repeat('lorem ipsum ', 12), 'completed', s % 2 = 0, 'version', s))
         FROM generate_series(1, $1::int) s`,
      [events],
    );
  } finally {
    await client.end();
  }
}

/** Runs `switchboard …` (no tsx wrapper process between) and reads its peak RSS (VmHWM). */
interface Measured {
  ms: number;
  peakMb: number;
}

function measure(args: string[], env: Record<string, string>): Promise<Measured> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // exited
    }
  }, 20);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`switchboard ${args[0]} exited ${code}: ${stderr}`));
      else resolve({ ms: Date.now() - started, peakMb: peakKb / 1024 });
    });
  });
}

try {
  console.log('events    file MB  backup s  backup peak RSS MB  restore s  restore peak RSS MB');
  for (const n of sizes) {
    const src = `sb_bench_bk_src_${n}`;
    const dst = `sb_bench_bk_dst_${n}`;
    await admin(`DROP DATABASE IF EXISTS ${src} WITH (FORCE)`);
    await admin(`DROP DATABASE IF EXISTS ${dst} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${src}`);
    await admin(`CREATE DATABASE ${dst}`);
    try {
      await seed(urlOf(src), n);
      const file = path.join(dir, `${n}.backup.gz`);
      const b = await measure(['backup', '--out', file], { DATABASE_URL: urlOf(src) });
      const r = await measure(['restore', file], { DATABASE_URL: urlOf(dst) });
      const mb = statSync(file).size / 1048576;
      measured.push({ events: n, fileMb: mb, backup: b, restore: r });
      console.log(
        `${String(n).padStart(7)}  ${mb.toFixed(1).padStart(7)}  ${(b.ms / 1000).toFixed(1).padStart(8)}  ${b.peakMb.toFixed(0).padStart(18)}  ${(r.ms / 1000).toFixed(1).padStart(9)}  ${r.peakMb.toFixed(0).padStart(19)}`,
      );
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${src} WITH (FORCE)`);
      await admin(`DROP DATABASE IF EXISTS ${dst} WITH (FORCE)`);
    }
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(summary(), null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Peak RSS at the largest size against the smallest: streaming keeps it at about 1. */
function summary() {
  const small = measured[0]!;
  const large = measured.at(-1)!;
  const round = (n: number) => Math.round(n * 100) / 100;
  const compared = measured.length > 1;
  const row = (what: 'backup' | 'restore') => ({
    figure: `${what} peak RSS, ${large.events} events`,
    unit: 'MB',
    better: 'lower',
    value: round(large[what].peakMb),
    reference: compared ? `${what} of ${small.events} events` : null,
    referenceValue: compared ? round(small[what].peakMb) : null,
    ratio: compared ? round(large[what].peakMb / small[what].peakMb) : null,
  });
  return {
    benchmark: 'backup',
    quick,
    headline: [row('backup'), row('restore')],
    missing: [],
    details: { measured },
  };
}
