/**
 * Attachments benchmark (issue 14): upload and download of one large file
 * through an API instance, its throughput against references measured in the
 * same run, and the instance's peak memory while the file goes through.
 *
 * References: the same bytes through a bare node:http server that discards
 * them (what HTTP on loopback costs), and the same bytes written straight to
 * PostgreSQL in the same 256 KiB chunk rows over one connection (what the
 * database costs). The API runs in a child process; its peak RSS is read
 * from /proc (VmHWM) before and after. Prints one table; never fails on a number.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node --conditions=source --import tsx packages/api/bench/attachments-bench.ts [--mb 50] [--runs 3]
 *       [--json <file>]   also write the headline figures for `npm run bench` (scripts/bench.mjs)
 *       [--quick]         a 2 MiB file, one run: proves it runs, figures mean nothing
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    mb: { type: 'string' },
    runs: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const mb = Number(values.mb ?? (quick ? 2 : 50));
const runs = Number(values.runs ?? (quick ? 1 : 3));
const size = mb * 1024 * 1024;
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const here = path.dirname(fileURLToPath(import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

function vm(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function makeFile(): Promise<string> {
  const file = path.join(tmpdir(), `sb-bench-${randomBytes(4).toString('hex')}.bin`);
  const out = createWriteStream(file);
  for (let written = 0; written < size; written += 1024 * 1024) {
    if (!out.write(randomBytes(Math.min(1024 * 1024, size - written))))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  return file;
}

/** Streams a file as a request body (never whole in this process either). */
async function send(url: string, file: string, headers: Record<string, string>) {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-length': String(size), ...headers },
    body: createReadStream(file) as unknown as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`);
  return { ms, body: text };
}

async function bareHttp(file: string): Promise<number> {
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++)
      times.push((await send(`http://127.0.0.1:${port}/`, file, {})).ms);
    return median(times);
  } finally {
    server.close();
  }
}

async function directPg(databaseUrl: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('CREATE TEMP TABLE chunks (id int, n int, data bytea)');
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      let n = 0;
      let pending: Buffer[] = [];
      let bytes = 0;
      for await (const piece of createReadStream(file, { highWaterMark: 256 * 1024 })) {
        pending.push(piece as Buffer);
        bytes += (piece as Buffer).length;
        if (bytes >= 256 * 1024) {
          await client.query('INSERT INTO chunks VALUES ($1, $2, $3)', [
            i,
            n++,
            Buffer.concat(pending),
          ]);
          pending = [];
          bytes = 0;
        }
      }
      if (bytes > 0)
        await client.query('INSERT INTO chunks VALUES ($1, $2, $3)', [
          i,
          n++,
          Buffer.concat(pending),
        ]);
      times.push(performance.now() - started);
    }
    return median(times);
  } finally {
    await client.end();
  }
}

async function main() {
  const name = `sb_bench_files_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const file = await makeFile();
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(here, 'attachments-server.ts')],
    {
      env: { ...process.env, DATABASE_URL: dbUrl.toString(), ATTACHMENT_MAX_MB: String(mb * 2) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const base = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim().split('\n')[0]!));
      child.once('exit', (code) => reject(new Error(`API exited ${code}`)));
    });
    const register = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench', password: 'correct horse battery' }),
    });
    const { token } = (await register.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };
    const board = (await (
      await fetch(`${base}/api/boards`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Bench' }),
      })
    ).json()) as { id: number };
    const task = (await (
      await fetch(`${base}/api/tasks`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ board_id: board.id, title: 'Files' }),
      })
    ).json()) as { id: number };
    // Warm up (JIT, pool, first chunk table pages).
    await send(`${base}/api/attachments?task_id=${task.id}&name=warm.bin`, file, {
      ...auth,
      'content-type': 'application/octet-stream',
    });
    const before = vm(child.pid!, 'VmRSS');
    const up: number[] = [];
    const down: number[] = [];
    let url = '';
    for (let i = 0; i < runs; i++) {
      const r = await send(`${base}/api/attachments?task_id=${task.id}&name=big-${i}.bin`, file, {
        ...auth,
        'content-type': 'application/octet-stream',
      });
      up.push(r.ms);
      url = (JSON.parse(r.body) as { url: string }).url;
      const started = performance.now();
      const res = await fetch(base + url, { headers: auth });
      let got = 0;
      for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>)
        got += piece.length;
      down.push(performance.now() - started);
      if (got !== size) throw new Error(`downloaded ${got} of ${size} bytes`);
    }
    const peak = vm(child.pid!, 'VmHWM');
    const http = await bareHttp(file);
    const db = await directPg(dbUrl.toString(), file);
    const row = (label: string, ms: number, ref?: number) =>
      `| ${label.padEnd(44)} | ${mbps(size, ms).toFixed(1).padStart(7)} MB/s | ${ms.toFixed(0).padStart(6)} ms | ${ref ? (ref / ms).toFixed(2) : '    '} |`;
    console.log(
      `\nmachine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; file ${mb} MiB random, ${runs} runs, medians\n`,
    );
    console.log(
      '| path                                         | throughput   | time      | ratio |',
    );
    console.log(
      '| -------------------------------------------- | ------------ | --------- | ----- |',
    );
    console.log(row('bare node:http, body discarded (reference)', http));
    console.log(row('direct PostgreSQL, 256 KiB chunk rows (ref.)', db));
    console.log(row('upload through the API (vs direct PostgreSQL)', median(up), db));
    console.log(row('download through the API (vs bare HTTP up)', median(down), http));
    console.log(
      `\nAPI instance RSS: ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB while ${runs} × ${mb} MiB went up and down (+${(peak - before).toFixed(0)} MiB; the file is ${mb} MiB)`,
    );
    if (values.json) {
      const round = (n: number) => Math.round(n * 100) / 100;
      const row = (figure: string, ms: number, reference: string, refMs: number) => ({
        figure,
        unit: 'MB/s',
        better: 'higher',
        value: round(mbps(size, ms)),
        reference,
        referenceValue: round(mbps(size, refMs)),
        ratio: round(refMs / ms),
      });
      const result = {
        benchmark: 'attachments',
        quick,
        headline: [
          row(`upload, ${mb} MiB`, median(up), 'direct PostgreSQL chunk writes', db),
          row(`download, ${mb} MiB`, median(down), 'bare node:http', http),
          {
            figure: `API instance RSS growth, ${runs} × ${mb} MiB`,
            unit: 'MiB',
            better: 'lower',
            value: round(peak - before),
            reference: null,
            referenceValue: null,
            ratio: null,
          },
        ],
        missing: [],
        details: {
          mb,
          runs,
          upMs: up,
          downMs: down,
          bareHttpMs: http,
          directPgMs: db,
          rssBeforeMiB: before,
          rssPeakMiB: peak,
        },
      };
      writeFileSync(values.json, JSON.stringify(result, null, 2));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(file, { force: true });
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

await main();
