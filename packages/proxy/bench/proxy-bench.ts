/**
 * Proxy benchmark (not a test): two trivial Node backends, then `wrk -t1 -c50`
 * against each target — the backend directly, our proxy (1 and 2 workers),
 * HAProxy, nginx, http-proxy, @fastify/reply-from and a bare Node TCP pipe (the
 * floor for anything on one Node event loop) — plus p99 added latency at half
 * and a quarter load (fixed-rate open-loop load, proxy vs direct at the same rate).
 * Loopback only; stops by itself. Results: table on stdout, JSON in bench-results/.
 *
 *   node --conditions=source --import tsx packages/proxy/bench/proxy-bench.ts [--duration 10] [--only switchboard,haproxy]
 *     [--json <file>]   also write the headline figures for `npm run bench` (scripts/bench.mjs)
 *     [--quick]         1 s per target, no warm-up, one fixed-rate round at half load: proves it
 *                       runs, figures mean nothing; without wrk it skips instead of failing
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const peers = path.join(here, 'peers.ts');
const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const DURATION = Number(values.duration ?? (quick ? 1 : 10));
const WARMUP_S = quick ? 0 : 2;
/** Fixed-rate rounds per target (the median is kept) and seconds per round. */
const ROUNDS = quick ? 1 : 3;
const ROUND_S = quick ? 1 : 4;
const CONNS = Number(values.connections);
const only = values.only ? new Set(values.only.split(',')) : undefined;

const children: ChildProcess[] = [];
const work = mkdtempSync(path.join(tmpdir(), 'sb-proxy-bench-'));
function cleanup(): void {
  // SIGTERM, not SIGKILL: nginx's master must live long enough to stop its workers.
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function startNode(args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', peers, ...args],
      {
        cwd: repo,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

function startProcess(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answers on port ${port}`);
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** CPU time the target's processes spent per request, µs (robust on a busy machine). */
  cpuUsPerReq?: number;
}

const CLK_TCK =
  Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** PIDs listening on a port (the cluster primary or nginx master: children are added below). */
function pidsOnPort(port: number): number[] {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  return [...new Set([...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))];
}

/** utime + stime of a process and all its descendants, in clock ticks. */
function treeTicks(pid: number, seen = new Set<number>()): number {
  if (seen.has(pid)) return 0;
  seen.add(pid);
  let ticks = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) ticks += treeTicks(Number(k), seen);
    }
  } catch {
    // Gone meanwhile.
  }
  return ticks;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

function wrk(port: number, seconds: number, conns = CONNS): WrkResult {
  const r = spawnSync(
    'wrk',
    ['-t1', `-c${conns}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`],
    {
      encoding: 'utf8',
    },
  );
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50, p99, errors, requests };
}

type Latency = { p50: number; p99: number; n: number; errors: number };

/**
 * Three rounds over all targets, interleaved so a burst of outside load hits
 * every target alike; each target's median round (by p99) is kept.
 */
async function fixedRateRounds(
  targets: Record<string, number>,
  rate: number,
  seconds: number,
): Promise<Record<string, Latency>> {
  const runs: Record<string, Latency[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, port] of Object.entries(targets)) {
      (runs[name] ??= []).push(await fixedRate(port, rate, seconds));
    }
  }
  const out: Record<string, Latency> = {};
  for (const [name, list] of Object.entries(runs)) {
    list.sort((a, b) => a.p99 - b.p99);
    out[name] = list[Math.floor(list.length / 2)] as Latency;
  }
  return out;
}

async function fixedRate(port: number, rate: number, seconds: number): Promise<Latency> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      peers,
      'load',
      `http://127.0.0.1:${port}/`,
      String(rate),
      String(seconds),
    ],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
    p50: number;
    p99: number;
    n: number;
    errors: number;
  };
}

async function main(): Promise<void> {
  if (!has('wrk')) {
    const reason =
      'wrk is missing: apt-get install -y wrk   (HAProxy/nginx peers: apt-get install -y haproxy nginx)';
    console.error(quick ? `SKIPPED (quick mode): ${reason}` : reason);
    writeSummary({ skipped: reason });
    cleanup();
    process.exit(quick ? 0 : 1);
  }
  const missing = ['haproxy', 'nginx'].filter((b) => !has(b));
  if (missing.length)
    console.warn(
      `note: ${missing.join(', ')} missing (apt-get install -y ${missing.join(' ')}); skipping them`,
    );

  const B1 = 19101;
  const B2 = 19102;
  await Promise.all([
    startNode(['backend', String(B1), 'b1']),
    startNode(['backend', String(B2), 'b2']),
  ]);

  const targets: { name: string; port: number; start: () => Promise<void> }[] = [
    { name: 'direct (one backend)', port: B1, start: async () => {} },
    {
      name: 'switchboard (1 worker)',
      port: 19110,
      start: async () =>
        void (await startNode(['switchboard', '19110', String(B1), String(B2)], {
          SB_BENCH_WORKERS: '1',
        })),
    },
    {
      name: 'switchboard (2 workers)',
      port: 19111,
      start: async () =>
        void (await startNode(['switchboard', '19111', String(B1), String(B2)], {
          SB_BENCH_WORKERS: '2',
        })),
    },
  ];
  if (has('haproxy')) {
    targets.push({
      name: 'haproxy',
      port: 19120,
      start: async () => {
        const cfg = path.join(work, 'haproxy.cfg');
        writeFileSync(
          cfg,
          `global\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  option http-keep-alive\n` +
            `frontend fe\n  bind 127.0.0.1:19120\n  default_backend be\nbackend be\n  balance roundrobin\n  http-reuse always\n` +
            `  server b1 127.0.0.1:${B1}\n  server b2 127.0.0.1:${B2}\n`,
        );
        startProcess('haproxy', ['-f', cfg, '-db']);
        await waitPort(19120);
      },
    });
  }
  if (has('nginx')) {
    targets.push({
      name: 'nginx',
      port: 19130,
      start: async () => {
        const dir = path.join(work, 'nginx');
        mkdirSync(dir, { recursive: true });
        const cfg = path.join(dir, 'nginx.conf');
        writeFileSync(
          cfg,
          `worker_processes auto;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 4096; }\n` +
            `http {\n  access_log off;\n  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n` +
            `  upstream be { server 127.0.0.1:${B1}; server 127.0.0.1:${B2}; keepalive 64; }\n` +
            `  server { listen 127.0.0.1:19130; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }\n}\n`,
        );
        startProcess('nginx', ['-c', cfg, '-p', dir, '-e', `${dir}/error.log`]);
        await waitPort(19130);
      },
    });
  }
  targets.push(
    {
      name: 'http-proxy',
      port: 19140,
      start: async () => void (await startNode(['http-proxy', '19140', String(B1), String(B2)])),
    },
    {
      name: '@fastify/reply-from',
      port: 19150,
      start: async () => void (await startNode(['reply-from', '19150', String(B1), String(B2)])),
    },
    {
      // Not a proxy: what one Node event loop costs just moving the bytes.
      name: 'node TCP pipe (floor)',
      port: 19160,
      start: async () => void (await startNode(['pipe', '19160', String(B1), String(B2)])),
    },
  );

  const results: Record<string, WrkResult> = {};
  const chosen = targets.filter(
    (t) => !only || only.has(t.name.split(' ')[0] as string) || t.name.startsWith('direct'),
  );
  // Quick mode starts every target at once (their start-up is most of its time); a
  // measured run starts each just before its turn, so idle peers do not share the cores.
  const started = quick ? Promise.all(chosen.map((t) => t.start())) : undefined;
  for (const t of chosen) {
    await (started ?? t.start());
    if (WARMUP_S) wrk(t.port, WARMUP_S); // warm-up (JIT, pools)
    const pids = pidsOnPort(t.port);
    const before = pids.reduce((a, p) => a + treeTicks(p), 0);
    const r = wrk(t.port, DURATION);
    const after = pids.reduce((a, p) => a + treeTicks(p), 0);
    if (pids.length && r.requests)
      r.cpuUsPerReq = Math.round((((after - before) / CLK_TCK) * 1e6) / r.requests);
    results[t.name] = r;
    process.stderr.write(`${t.name}: ${Math.round(results[t.name]!.rps)} req/s\n`);
  }

  // p99 added latency at half load: fixed rate = half of our single-worker throughput.
  const ours = results['switchboard (1 worker)'];
  const rate = Math.max(500, Math.round((ours?.rps ?? 4000) / 2));
  const halfTargets: Record<string, number> = { direct: B1, 'switchboard (1 worker)': 19110 };
  // Quick mode: only those the headline compares.
  if (results['switchboard (2 workers)'] && !quick) halfTargets['switchboard (2 workers)'] = 19111;
  if (results.haproxy) halfTargets.haproxy = 19120;
  if (results['node TCP pipe (floor)'] && !quick) halfTargets['node TCP pipe (floor)'] = 19160;
  const half = await fixedRateRounds(halfTargets, rate, ROUND_S);
  // And at a quarter: where the added tail is small on this machine (not in quick mode).
  const quarterRate = Math.max(250, Math.round(rate / 2));
  const quarter = quick ? {} : await fixedRateRounds(halfTargets, quarterRate, ROUND_S);

  const haproxy = results.haproxy?.rps;
  const replyFrom = results['@fastify/reply-from']?.rps;
  const rows = Object.entries(results).map(([name, r]) => ({
    target: name,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    errors: r.errors,
    'CPU µs/req': r.cpuUsPerReq ?? '-',
    'vs haproxy': haproxy ? `${Math.round((r.rps / haproxy) * 100)}%` : '-',
    'vs reply-from': replyFrom ? `${(r.rps / replyFrom).toFixed(2)}×` : '-',
  }));
  console.log(
    `\nwrk -t1 -c${CONNS} -d${DURATION}s, two Node backends, ${cpus().length} CPUs (${cpus()[0]?.model ?? ''}), node ${process.version}`,
  );
  console.table(rows);
  const latencyRows = (runs: Record<string, Latency>) =>
    Object.entries(runs).map(([name, h]) => ({
      target: name,
      'p50 ms': round(h.p50),
      'p99 ms': round(h.p99),
      'p99 added vs direct ms': name === 'direct' ? '-' : round(h.p99 - (runs.direct?.p99 ?? 0)),
      errors: h.errors,
    }));
  console.log(
    `\nfixed-rate load at ${rate} req/s (half of switchboard's single-worker throughput), median of ${ROUNDS} interleaved rounds × ${ROUND_S} s:`,
  );
  console.table(latencyRows(half));
  if (!quick) {
    console.log(`\nfixed-rate load at ${quarterRate} req/s (a quarter), the same way:`);
    console.table(latencyRows(quarter));
  }

  writeSummary({
    headline: headline(results, half),
    missing: missing.map((b) => ({
      reference: b,
      reason: `${b} is not installed (apt-get install -y ${b === 'nginx' ? 'nginx-light' : b})`,
    })),
    details: {
      wrk: { threads: 1, connections: CONNS, seconds: DURATION },
      results,
      half_load: { rate, results: half },
      quarter_load: quick ? undefined : { rate: quarterRate, results: quarter },
    },
  });
  if (quick) {
    console.log('\nquick mode: figures mean nothing; no results file in bench-results/');
    return;
  }
  const outDir = path.join(repo, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `proxy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        wrk: { threads: 1, connections: CONNS, seconds: DURATION },
        results,
        half_load: { rate, results: half },
        quarter_load: { rate: quarterRate, results: quarter },
      },
      null,
      2,
    ),
  );
  console.log(`\nresults written to ${path.relative(process.cwd(), file)}`);
}

/** The figures `npm run bench` tabulates: ours against the references of this run. */
function headline(results: Record<string, WrkResult>, half: Record<string, Latency>) {
  const ours1 = results['switchboard (1 worker)'];
  const ours2 = results['switchboard (2 workers)'];
  const haproxy = results.haproxy;
  const replyFrom = results['@fastify/reply-from'];
  const row = (
    figure: string,
    unit: string,
    better: 'higher' | 'lower',
    value: number | undefined,
    reference: string,
    referenceValue: number | undefined,
  ) => ({
    figure,
    unit,
    better,
    value: value === undefined ? null : round(value),
    reference,
    referenceValue: referenceValue === undefined ? null : round(referenceValue),
    ratio: value !== undefined && referenceValue ? round(value / referenceValue) : null,
  });
  return [
    row('req/s, 1 worker', 'req/s', 'higher', ours1?.rps, 'haproxy', haproxy?.rps),
    row('req/s, 2 workers', 'req/s', 'higher', ours2?.rps, 'haproxy', haproxy?.rps),
    row('req/s, 1 worker', 'req/s', 'higher', ours1?.rps, '@fastify/reply-from', replyFrom?.rps),
    row(
      'CPU per request, 1 worker',
      'µs',
      'lower',
      ours1?.cpuUsPerReq,
      '@fastify/reply-from',
      replyFrom?.cpuUsPerReq,
    ),
    // The p99 itself, not the part added to direct: a ratio of two small differences
    // swings wildly (the added figures are in details.half_load).
    row(
      'p99 at half load, 1 worker',
      'ms',
      'lower',
      half['switchboard (1 worker)']?.p99,
      'haproxy',
      half.haproxy?.p99,
    ),
  ];
}

/** `--json <file>`: the result `npm run bench` collects (scripts/bench/result.mjs). */
function writeSummary(fields: object): void {
  if (!values.json) return;
  writeFileSync(
    values.json,
    JSON.stringify({ benchmark: 'proxy', quick, headline: [], missing: [], ...fields }, null, 2),
  );
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    cleanup();
    // Give nginx and HAProxy a moment to stop their workers before we go.
    setTimeout(() => process.exit(), 500);
  });
