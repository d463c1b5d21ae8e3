/**
 * Write-path benchmark (DESIGN "Reference figures"): the transaction "insert a
 * task, bump the board's seq, insert its event" run by pgbench straight on the
 * database, against the same write through proxy and API (POST /api/tasks),
 * in one run on the same embedded PostgreSQL. Spread over 10 boards, then all
 * on one hot board (whose row lock serialises its writers). Bounded in time,
 * loopback only; prints ratios, writes JSON to bench-results/.
 *
 *   node --conditions=source --import tsx packages/loadgen/bench/write-bench.ts [--duration 10] [--clients 10]
 *   (`npm run bench:write` runs it with the defaults)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, repoRoot, startSwitchboardUp } from '../../../test-support/processes.js';
import { closedLoop, type LoadResult } from './write/closed-loop.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    clients: { type: 'string', default: '10' },
    instances: { type: 'string', default: '3' },
  },
});
const durationS = Number(values.duration);
const clients = Number(values.clients);

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

// The API's write, as SQL: lock the board, insert the task, bump seq, append the
// event (what store/board-write.ts does for POST /api/tasks). Its tasks go to the
// board's last column with random keys; the HTTP load adds to the first column.
const writeSql = `\\set b random(:lo, :hi)
BEGIN;
SELECT seq FROM boards WHERE id = :b FOR NO KEY UPDATE;
INSERT INTO tasks (board_id, column_id, title, position, created_by)
  SELECT :b, max(id), 'pgbench task', 'z' || md5(random()::text), 1 FROM columns WHERE board_id = :b;
UPDATE boards SET seq = seq + 1 WHERE id = :b;
INSERT INTO board_events (board_id, seq, id, type, actor, payload)
  SELECT :b, seq, gen_random_uuid(), 'task.created', 1, '{"bench":true}' FROM boards WHERE id = :b;
COMMIT;
`;

async function main() {
  await run('pgbench', ['--version']).catch(() => {
    console.error('write-bench needs pgbench (Debian: apt-get install -y postgresql-client)');
    process.exit(2);
  });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-write-bench-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const up = (
    await startSwitchboardUp({
      port,
      adminPort,
      dataDir,
      instances: Number(values.instances),
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
    const pgSpread = await pgbench(dbUrl, writeSql, boards);
    console.log(`through proxy and API, 10 boards…`);
    const httpSpread = await http(boards);
    console.log(`pgbench, one hot board…`);
    const pgHot = await pgbench(dbUrl, writeSql, hot);
    console.log(`through proxy and API, one hot board…`);
    const httpHot = await http(hot);

    const row = (name: string, db: number, h: LoadResult) =>
      `| ${name.padEnd(9)} | ${db.toFixed(0).padStart(7)} | ${h.perSecond.toFixed(0).padStart(8)} | ${(h.perSecond / db).toFixed(2).padStart(5)} | ${h.p50Ms.toFixed(1).padStart(6)} | ${h.p99Ms.toFixed(1).padStart(6)} | ${JSON.stringify(h.statuses)} |`;
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`;
    console.log(
      `\nWrite path (${clients} clients, ${durationS} s each, ${values.instances} API instances; ${machine})\n`,
    );
    console.log('| boards    | pgbench tps | HTTP tps | ratio | p50 ms | p99 ms | statuses |');
    console.log('| --------- | ----------: | -------: | ----: | -----: | -----: | -------- |');
    console.log(row('10 boards', pgSpread, httpSpread));
    console.log(row('1 hot', pgHot, httpHot));
    console.log('\nTarget: HTTP tps at least half of pgbench tps (ratio ≥ 0.50).');
    mkdirSync(path.join(repoRoot, 'bench-results'), { recursive: true });
    writeFileSync(
      path.join(repoRoot, 'bench-results', `write-bench-${Date.now()}.json`),
      JSON.stringify(
        {
          machine,
          clients,
          durationS,
          instances: values.instances,
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
