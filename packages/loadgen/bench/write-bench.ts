/**
 * Write-path benchmark (DESIGN "Reference figures"): the transaction of
 * POST /api/tasks — the API's own statements, in its round trips — run by
 * pgbench straight on the database, against the same write through proxy and API,
 * in one run on the same embedded PostgreSQL. Spread over 10 boards, then all
 * on one hot board (whose row lock serialises its writers). Bounded in time,
 * loopback only; prints ratios, writes JSON to bench-results/.
 *
 *   node --conditions=source --import tsx packages/loadgen/bench/write-bench.ts [--duration 10] [--clients 10]
 *     [--json <file>]   also write the headline figures for `npm run bench` (scripts/bench.mjs)
 *     [--print-sql]     print the pgbench script (the API's statements) and stop
 *     [--quick]         1 s, 2 clients, 1 API instance: proves it runs, figures mean nothing;
 *                       without pgbench it skips the reference (loudly) instead of failing
 *   (`npm run bench:write` runs it with the defaults)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTaskTrips } from '@switchboard/api';
import { freePort, repoRoot, startSwitchboardUp } from '../../../test-support/processes.js';
import { closedLoop, type LoadResult } from './write/closed-loop.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    clients: { type: 'string' },
    instances: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'print-sql': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const durationS = Number(values.duration ?? (quick ? 1 : 10));
const clients = Number(values.clients ?? (quick ? 2 : 10));
const instances = Number(values.instances ?? (quick ? 1 : 3));

/** `--json <file>`: the result `npm run bench` collects (scripts/bench/result.mjs). */
function writeSummary(fields: object): void {
  if (!values.json) return;
  writeFileSync(
    values.json,
    JSON.stringify({ benchmark: 'write', quick, headline: [], missing: [], ...fields }, null, 2),
  );
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

async function pgbench(url: string, script: string, boards: number[]): Promise<number> {
  const file = path.join(tmpdir(), `sb-write-${process.pid}.sql`);
  writeFileSync(file, script);
  const out = await run('pgbench', [
    '-n',
    '-M',
    'extended',
    '-c',
    String(clients),
    '-j',
    '2',
    '-T',
    String(durationS),
    '-f',
    file,
    '-D',
    `lo=${Math.min(...boards)}`,
    '-D',
    `hi=${Math.max(...boards)}`,
    url,
  ]);
  rmSync(file);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (!tps) throw new Error(`pgbench said: ${out}`);
  return Number(tps[1]);
}

// The API's write, as SQL: the statements POST /api/tasks sends, built by the
// store's own functions (api store/write-statements.ts), in the same round trips
// (pgbench pipelines, which need -M extended). The values the application works
// out stand in as SQL: the board is pgbench's :b, the column the board's last
// (the HTTP load appends to the first: its keys must stay valid ranks there), the
// key a random one (keys are unique per column).
const sentinel = { boardId: 2_147_480_001, columnId: 2_147_480_002, position: 'sb-bench-position' };

function literal(value: unknown): string {
  if (value === sentinel.boardId) return ':b';
  if (value === sentinel.columnId)
    return '(SELECT c.id FROM columns c WHERE c.board_id = :b ORDER BY c.position DESC LIMIT 1)';
  if (value === sentinel.position) return `md5(random()::text)`;
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return literal(`{${value.join(',')}}`);
  const text = String(value).replaceAll("'", "''");
  // pgbench's extended mode takes any :name for a variable, inside literals too:
  // spell colons as Unicode escapes (the server reads the same string).
  return text.includes(':')
    ? `U&'${text.replaceAll('\\', '\\\\').replaceAll(':', '\\003A')}'`
    : `'${text}'`;
}

function writeScript(): string {
  const { trips } = createTaskTrips({ ...sentinel, actorId: 1, title: 'pgbench task' });
  const statement = (q: { sql: string; parameters: readonly unknown[] }) =>
    `${q.sql.replace(/\$(\d+)/g, (_, n: string) => literal(q.parameters[Number(n) - 1])).replace(/\s*\n\s*/g, ' ')};`;
  return [
    '\\set b random(:lo, :hi)',
    ...trips.flatMap((trip) => ['\\startpipeline', ...trip.map(statement), '\\endpipeline']),
    '',
  ].join('\n');
}
const writeSql = writeScript();

async function main() {
  if (values['print-sql']) {
    console.log(writeSql);
    return;
  }
  const noPgbench = await run('pgbench', ['--version']).then(
    () => undefined,
    () => 'pgbench is missing (Debian: apt-get install -y postgresql-15, which ships it)',
  );
  if (noPgbench && !quick) {
    console.error(`write-bench needs pgbench: ${noPgbench}`);
    writeSummary({ skipped: noPgbench });
    process.exit(2);
  }
  if (noPgbench) console.error(`SKIPPING THE REFERENCE (quick mode): ${noPgbench}`);
  // Without pgbench (quick mode only) the reference rows read NaN.
  const reference = (url: string, boards: number[]) =>
    noPgbench ? Promise.resolve(Number.NaN) : pgbench(url, writeSql, boards);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-write-bench-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const up = (
    await startSwitchboardUp({
      port,
      adminPort,
      dataDir,
      instances,
      env: { RATE_LIMIT_PER_MINUTE: '0' },
    })
  ).process;
  const origin = `http://127.0.0.1:${port}`;
  try {
    const pgPort = readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')
      .split('\n')[3]!
      .trim();
    const password = readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
    const dbUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/switchboard`;

    const reg = await fetch(`${origin}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'writebench', password: 'write bench password' }),
    });
    const { token } = (await reg.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const boards: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${origin}/api/boards`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `bench ${i}` }),
      });
      boards.push(((await res.json()) as { id: number }).id);
    }
    const hot = [boards[0]!];
    const http = (targets: number[]) =>
      closedLoop(origin, clients, durationS * 1000, (c, i) => ({
        method: 'POST',
        path: '/api/tasks',
        headers: auth,
        body: { board_id: targets[(c + i) % targets.length], title: `http task ${c}.${i}` },
      }));

    console.log(`pgbench, ${clients} clients, ${durationS} s, 10 boards…`);
    const pgSpread = await reference(dbUrl, boards);
    console.log(`through proxy and API, 10 boards…`);
    const httpSpread = await http(boards);
    console.log(`pgbench, one hot board…`);
    const pgHot = await reference(dbUrl, hot);
    console.log(`through proxy and API, one hot board…`);
    const httpHot = await http(hot);

    const row = (name: string, db: number, h: LoadResult) =>
      `| ${name.padEnd(9)} | ${db.toFixed(0).padStart(7)} | ${h.perSecond.toFixed(0).padStart(8)} | ${(h.perSecond / db).toFixed(2).padStart(5)} | ${h.p50Ms.toFixed(1).padStart(6)} | ${h.p99Ms.toFixed(1).padStart(6)} | ${JSON.stringify(h.statuses)} |`;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`;
    console.log(
      `\nWrite path (${clients} clients, ${durationS} s each, ${instances} API instances; ${machine})\n`,
    );
    console.log('| boards    | pgbench tps | HTTP tps | ratio | p50 ms | p99 ms | statuses |');
    console.log('| --------- | ----------: | -------: | ----: | -----: | -----: | -------- |');
    console.log(row('10 boards', pgSpread, httpSpread));
    console.log(row('1 hot', pgHot, httpHot));
    console.log('\nTarget: HTTP tps at least half of pgbench tps (ratio ≥ 0.50).');
    const headline = (name: string, db: number, h: LoadResult) => [
      {
        figure: `tps, ${name}`,
        unit: 'tps',
        better: 'higher',
        value: round(h.perSecond),
        reference: 'pgbench',
        referenceValue: Number.isNaN(db) ? null : round(db),
        ratio: Number.isNaN(db) ? null : round(h.perSecond / db),
      },
      {
        figure: `p99, ${name}`,
        unit: 'ms',
        better: 'lower',
        value: round(h.p99Ms),
        reference: null,
        referenceValue: null,
        ratio: null,
      },
    ];
    writeSummary({
      headline: [
        ...headline('10 boards', pgSpread, httpSpread),
        ...headline('1 hot', pgHot, httpHot),
      ],
      missing: noPgbench ? [{ reference: 'pgbench', reason: noPgbench }] : [],
      details: { clients, durationS, instances, pgSpread, httpSpread, pgHot, httpHot },
    });
    if (quick) {
      console.log('quick mode: figures mean nothing; no results file in bench-results/');
      return;
    }
    mkdirSync(path.join(repoRoot, 'bench-results'), { recursive: true });
    writeFileSync(
      path.join(repoRoot, 'bench-results', `write-bench-${Date.now()}.json`),
      JSON.stringify(
        {
          machine,
          clients,
          durationS,
          instances,
          pgSpread,
          httpSpread,
          pgHot,
          httpHot,
        },
        null,
        2,
      ),
    );
  } finally {
    up.kill('SIGTERM');
    await new Promise((r) => up.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
