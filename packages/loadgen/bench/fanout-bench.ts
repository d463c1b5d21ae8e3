/**
 * Fan-out benchmark (not a test): N WebSocket watchers of one board, spread
 * over the API instances, while tasks are written at a steady rate; measures
 * write→receipt and commit→receipt latency, deliveries per second and memory
 * per idle connection, then the same against a bare `ws` broadcast server
 * (the reference) in the same run, and prints the ratios.
 *
 *   npm run bench:fanout   (node --conditions=source --import tsx packages/loadgen/bench/fanout-bench.ts)
 *     [--json <file>]   also write the headline figures for `npm run bench` (scripts/bench.mjs)
 *     [--quick]         20 watchers at 10 events/s, 1 s windows, 1 instance, short settling
 *                       pauses: proves it runs, figures mean nothing (BENCH_* still override)
 *
 * Environment (all optional):
 *   BENCH_WATCHERS=1000,5000  BENCH_RATES=10,20  BENCH_WINDOW_MS=10000
 *   BENCH_WARMUP_MS=2000  BENCH_DRAIN_MS=3000  BENCH_INSTANCES=2  BENCH_REFERENCE=1  BENCH_REPEAT=1
 *   BENCH_TARGETS=http://127.0.0.1:8080   existing instances or the proxy (no spawning, no memory figures)
 *   BENCH_DATABASE_URL=postgres://…/postgres   admin URL for a scratch database (default TEST_DATABASE_URL or local)
 *   BUS, NATS_URL, REDIS_URL, BUS_PREFIX      passed to the spawned instances
 * Loopback only; bounded; writes bench-results/fanout-<time>.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { Pool } from 'undici';
import { benchTitle, drive } from './fanout/drive.js';
import { cleanBusNamespace } from '../../../test-support/bus-namespace.js';
import { createDatabase, dropDatabase } from '../../../test-support/postgres-admin.js';
import { repoRoot } from '../../../test-support/processes.js';
import {
  cpuMs,
  type Child,
  rssBytes,
  startApiInstance,
  startReferenceServer,
} from './fanout/processes.js';
import { WatcherPool, type WindowStats } from './fanout/watchers.js';

const { values: args } = parseArgs({
  options: { json: { type: 'string' }, quick: { type: 'boolean', default: false } },
});
const quick = args.quick;
const env = process.env;
const list = (value: string | undefined, fallback: number[]) =>
  value === undefined
    ? fallback
    : value
        .split(',')
        .filter((v) => v.trim() !== '')
        .map((v) => Number(v.trim()));
const config = {
  watchers: list(env.BENCH_WATCHERS, quick ? [20] : [1000, 5000]),
  rates: list(env.BENCH_RATES, quick ? [10] : [10, 20]),
  windowMs: Number(env.BENCH_WINDOW_MS ?? (quick ? 1_000 : 10_000)),
  warmupMs: Number(env.BENCH_WARMUP_MS ?? (quick ? 300 : 2_000)),
  drainMs: Number(env.BENCH_DRAIN_MS ?? (quick ? 500 : 3_000)),
  instances: Number(env.BENCH_INSTANCES ?? (quick ? 1 : 2)),
  reference: env.BENCH_REFERENCE !== '0',
  repeat: Number(env.BENCH_REPEAT ?? 1),
  targets: env.BENCH_TARGETS?.split(',').map((t) => t.trim().replace(/\/$/, '')),
  adminUrl:
    env.BENCH_DATABASE_URL ??
    env.TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres',
  bus: env.BUS ?? 'pg',
  titlePad: 40,
  /** Pauses for memory to settle before and after opening the watchers, and after closing them. */
  settleMs: quick
    ? { before: 200, after: 500, closed: 0 }
    : { before: 1_000, after: 3_000, closed: 2_000 },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface PhaseResult {
  stack: 'switchboard' | 'bare-ws';
  watchers: number;
  rate: number;
  offeredPerSec: number;
  deliveriesPerSec: number;
  completion: number;
  writeToReceiptMs: { p50: number; p90: number; p99: number; max: number };
  commitToReceiptMs: { p50: number; p99: number } | undefined;
  frameBytes: number;
  writes: number;
  writeFailures: number;
  /** The write itself (HTTP request → response), for reading the latency above. */
  writeMs: { p50: number; p99: number };
  memoryPerConnectionBytes: number | undefined;
  /** 1-minute load average when the phase ended (the machine may be shared). */
  loadAverage: number;
  /** CPU the server processes used per 1 000 deliveries during the phase (ms), when they are ours to watch. */
  serverCpuMsPer1000: number | undefined;
}

const ms = (h: WindowStats['writeToReceipt'], p: number) =>
  Math.round(h.getValueAtPercentile(p) / 100) / 10;

async function totalRss(children: Child[]): Promise<number | undefined> {
  if (children.length === 0) return undefined;
  let sum = 0;
  for (const c of children) sum += await rssBytes(c.pid);
  return sum;
}

async function totalCpu(children: Child[]): Promise<number | undefined> {
  if (children.length === 0) return undefined;
  let sum = 0;
  for (const c of children) sum += await cpuMs(c.pid);
  return sum;
}

async function runPhase(
  stack: PhaseResult['stack'],
  pool: WatcherPool,
  rate: number,
  memory: number | undefined,
  servers: Child[],
  send: (title: string) => Promise<void>,
): Promise<PhaseResult> {
  const cpuBefore = await totalCpu(servers);
  const t0 = performance.now();
  const from = t0 + config.warmupMs;
  const to = from + config.windowMs;
  pool.startWindow(from, to, to + config.drainMs);
  let inWindow = 0;
  const writeLatency = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const result = await drive(rate, config.warmupMs + config.windowMs, async () => {
    const title = benchTitle(config.titlePad);
    const sentAt = Number(title.split(':')[1]);
    const measured = sentAt >= from && sentAt <= to;
    if (measured) inWindow += 1;
    await send(title);
    if (measured)
      writeLatency.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
  });
  await sleep(Math.max(0, to + config.drainMs - performance.now()));
  const stats = pool.endWindow();
  const cpuAfter = await totalCpu(servers);
  const expected = inWindow * pool.size;
  // The whole phase (warm-up, window, drain) delivered about writes × watchers.
  const phaseDeliveries = result.sent * pool.size;
  return {
    stack,
    watchers: pool.size,
    rate,
    offeredPerSec: rate * pool.size,
    deliveriesPerSec: Math.round(stats.receivedInWindow / (config.windowMs / 1000)),
    completion: expected > 0 ? Math.round((stats.deliveries / expected) * 10_000) / 10_000 : 0,
    writeToReceiptMs: {
      p50: ms(stats.writeToReceipt, 50),
      p90: ms(stats.writeToReceipt, 90),
      p99: ms(stats.writeToReceipt, 99),
      max: Math.round(stats.writeToReceipt.maxValue / 100) / 10,
    },
    commitToReceiptMs:
      stats.commitToReceipt.totalCount > 0
        ? { p50: ms(stats.commitToReceipt, 50), p99: ms(stats.commitToReceipt, 99) }
        : undefined,
    frameBytes: stats.frameBytes,
    writes: result.sent,
    writeFailures: result.failed,
    writeMs: { p50: ms(writeLatency, 50), p99: ms(writeLatency, 99) },
    memoryPerConnectionBytes: memory,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
    serverCpuMsPer1000:
      cpuBefore !== undefined && cpuAfter !== undefined && phaseDeliveries > 0
        ? Math.round(((cpuAfter - cpuBefore) / phaseDeliveries) * 1000 * 100) / 100
        : undefined,
  };
}

async function request(
  pool: Pool,
  method: 'GET' | 'POST',
  urlPath: string,
  body?: unknown,
): Promise<unknown> {
  const res = await pool.request({
    method,
    path: urlPath,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function printTable(results: PhaseResult[]): void {
  const rows = results.map((r) => ({
    stack: r.stack,
    watchers: r.watchers,
    'ev/s': r.rate,
    'offered/s': r.offeredPerSec,
    'deliveries/s': r.deliveriesPerSec,
    complete: `${(r.completion * 100).toFixed(2)}%`,
    'p50 ms': r.writeToReceiptMs.p50,
    'p99 ms': r.writeToReceiptMs.p99,
    'max ms': r.writeToReceiptMs.max,
    'commit p50/p99': r.commitToReceiptMs
      ? `${r.commitToReceiptMs.p50}/${r.commitToReceiptMs.p99}`
      : '-',
    'write p50/p99': `${r.writeMs.p50}/${r.writeMs.p99}`,
    'frame B': r.frameBytes,
    'B/conn':
      r.memoryPerConnectionBytes === undefined ? '-' : Math.round(r.memoryPerConnectionBytes),
    'cpu ms/1k': r.serverCpuMsPer1000 ?? '-',
    load: r.loadAverage,
  }));
  console.table(rows);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Ours against the reference, per watcher count and rate (medians over rounds). */
function ratios(results: PhaseResult[]) {
  const out = [];
  const keys = new Set(results.map((r) => `${r.watchers}/${r.rate}`));
  for (const key of keys) {
    const pick = (stack: PhaseResult['stack']) =>
      results.filter((r) => r.stack === stack && `${r.watchers}/${r.rate}` === key);
    const ours = pick('switchboard');
    const ref = pick('bare-ws');
    if (ours.length === 0 || ref.length === 0) continue;
    const m = (rs: PhaseResult[], f: (r: PhaseResult) => number) =>
      Math.round(median(rs.map(f)) * 10) / 10;
    const oursMem = ours[0]!.memoryPerConnectionBytes;
    const refMem = ref[0]!.memoryPerConnectionBytes;
    out.push({
      watchers: ours[0]!.watchers,
      rate: ours[0]!.rate,
      rounds: ours.length,
      'ours p50/p99 ms': `${m(ours, (r) => r.writeToReceiptMs.p50)}/${m(ours, (r) => r.writeToReceiptMs.p99)}`,
      'ref p50/p99 ms': `${m(ref, (r) => r.writeToReceiptMs.p50)}/${m(ref, (r) => r.writeToReceiptMs.p99)}`,
      'p50 ours/ref': +(
        m(ours, (r) => r.writeToReceiptMs.p50) / m(ref, (r) => r.writeToReceiptMs.p50)
      ).toFixed(2),
      'p99 ours/ref': +(
        m(ours, (r) => r.writeToReceiptMs.p99) / m(ref, (r) => r.writeToReceiptMs.p99)
      ).toFixed(2),
      'deliveries ours/ref': +(
        m(ours, (r) => r.deliveriesPerSec) / m(ref, (r) => r.deliveriesPerSec)
      ).toFixed(2),
      'server cpu ours/ref': +(
        m(ours, (r) => r.serverCpuMsPer1000 ?? Number.NaN) /
        m(ref, (r) => r.serverCpuMsPer1000 ?? Number.NaN)
      ).toFixed(2),
      'memory ours/ref': oursMem && refMem ? +(oursMem / refMem).toFixed(2) : null,
    });
  }
  return out;
}

/**
 * The figures `npm run bench` tabulates: per watcher count and rate, ours
 * against the bare ws broadcast of this run (medians over rounds, as ratios()).
 */
function headline(
  results: PhaseResult[],
  memory: { stack: string; watchers: number; perConnection: number | undefined }[],
) {
  const rows = [];
  const round = (n: number) => Math.round(n * 100) / 100;
  const keys = new Set(results.map((r) => `${r.watchers}/${r.rate}`));
  for (const key of keys) {
    const pick = (stack: PhaseResult['stack']) =>
      results.filter((r) => r.stack === stack && `${r.watchers}/${r.rate}` === key);
    const ours = pick('switchboard');
    const ref = pick('bare-ws');
    if (ours.length === 0) continue;
    const at = `${ours[0]!.watchers} watchers × ${ours[0]!.rate} ev/s`;
    const figure = (
      name: string,
      unit: string,
      better: 'higher' | 'lower',
      f: (r: PhaseResult) => number,
    ) => {
      const value = median(ours.map(f));
      const referenceValue = ref.length > 0 ? median(ref.map(f)) : null;
      return {
        figure: `${name}, ${at}`,
        unit,
        better,
        value: round(value),
        reference: 'bare ws',
        referenceValue: referenceValue === null ? null : round(referenceValue),
        ratio: referenceValue ? round(value / referenceValue) : null,
      };
    };
    rows.push(
      figure('write→receipt p50', 'ms', 'lower', (r) => r.writeToReceiptMs.p50),
      figure('write→receipt p99', 'ms', 'lower', (r) => r.writeToReceiptMs.p99),
      figure('deliveries/s', '/s', 'higher', (r) => r.deliveriesPerSec),
    );
  }
  for (const m of memory.filter((m) => m.stack === 'switchboard')) {
    const ref = memory.find((r) => r.stack === 'bare-ws' && r.watchers === m.watchers);
    const value = m.perConnection;
    const referenceValue = ref?.perConnection;
    rows.push({
      figure: `RSS per idle connection, ${m.watchers} watchers`,
      unit: 'B',
      better: 'lower',
      value: value === undefined ? null : Math.round(value),
      reference: 'bare ws',
      referenceValue: referenceValue === undefined ? null : Math.round(referenceValue),
      ratio: value !== undefined && referenceValue ? round(value / referenceValue) : null,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const started = new Date();
  const children: Child[] = [];
  const references: Child[] = [];
  let scratch: string | undefined;
  const results: PhaseResult[] = [];
  const memory: {
    stack: PhaseResult['stack'];
    watchers: number;
    readyMs: number;
    rssBefore: number | undefined;
    rssAfter: number | undefined;
    perConnection: number | undefined;
  }[] = [];
  let busNamespace: { bus: 'nats' | 'redis'; url: string; prefix: string } | undefined;
  const cleanup = async () => {
    await Promise.all([...children, ...references].map((c) => c.stop()));
    if (scratch) await dropDatabase(config.adminUrl, scratch).catch(() => {});
    if (busNamespace) {
      const { bus, url, prefix } = busNamespace;
      await cleanBusNamespace(bus, url, prefix).catch((err: unknown) => console.error(String(err)));
    }
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    let targets = config.targets;
    if (!targets) {
      scratch = `sb_bench_${randomBytes(4).toString('hex')}`;
      const databaseUrl = await createDatabase(config.adminUrl, scratch);
      const busEnv: Record<string, string> = { DATABASE_URL: databaseUrl, BUS: config.bus };
      for (const key of ['NATS_URL', 'REDIS_URL', 'BUS_PREFIX'] as const)
        if (env[key]) busEnv[key] = env[key]!;
      if ((config.bus === 'nats' || config.bus === 'redis') && !busEnv.BUS_PREFIX) {
        // A namespace of our own on the bus server, removed at the end.
        busEnv.BUS_PREFIX = scratch;
        const url = config.bus === 'nats' ? env.NATS_URL : env.REDIS_URL;
        if (url) busNamespace = { bus: config.bus, url, prefix: scratch };
      }
      // One at a time: the first migrates the scratch database.
      for (let i = 1; i <= config.instances; i++)
        children.push(await startApiInstance(`api-${i}`, busEnv));
      targets = children.map((c) => c.url);
    }
    const http = targets.map((t) => new Pool(t, { connections: 32 }));
    const wsUrls = targets.map((t) => `${t.replace(/^http/, 'ws')}/ws`);
    const board = (await request(http[0]!, 'POST', '/api/boards', { title: 'Fan-out bench' })) as {
      id: number;
    };
    let writes = 0;
    const writeOurs = async (title: string) => {
      await request(http[writes++ % http.length]!, 'POST', '/api/tasks', {
        board_id: board.id,
        title,
      });
    };
    for (let i = 0; i < 50; i++) await writeOurs(benchTitle(config.titlePad));
    const seq = async () =>
      ((await request(http[0]!, 'GET', `/api/boards/${board.id}`)) as { seq: number }).seq;

    if (config.reference) {
      for (let i = 0; i < Math.max(1, targets.length); i++)
        references.push(await startReferenceServer());
    }
    const refHttp = references.map((r) => new Pool(r.url, { connections: 32 }));
    const refWs = references.map((r) => `${r.url.replace(/^http/, 'ws')}/`);
    let frameBytes = 600;
    // The reference gets messages of our frame size; every server gets every message, as every instance does.
    const publish = async (title: string) => {
      const body = `{"type":"event","title":"${title}","pad":"${'x'.repeat(Math.max(0, frameBytes - title.length - 40))}"}`;
      await Promise.all(
        refHttp.map(async (p) => {
          const res = await p.request({ method: 'POST', path: '/publish', body });
          await res.body.dump();
        }),
      );
    };
    const openMeasured = async (
      stack: PhaseResult['stack'],
      servers: Child[],
      open: () => Promise<void>,
      n: number,
    ) => {
      await sleep(config.settleMs.before);
      const before = await totalRss(servers);
      const t = performance.now();
      await open();
      const readyMs = Math.round(performance.now() - t);
      await sleep(config.settleMs.after);
      const after = await totalRss(servers);
      const perConnection =
        before !== undefined && after !== undefined ? (after - before) / n : undefined;
      memory.push({
        stack,
        watchers: n,
        readyMs,
        rssBefore: before,
        rssAfter: after,
        perConnection,
      });
      console.log(
        `${stack}: ${n} watchers ready in ${readyMs} ms` +
          (perConnection === undefined
            ? ''
            : `, ${Math.round(perConnection)} B of RSS per idle connection`),
      );
      return perConnection;
    };

    for (const n of config.watchers) {
      const ours = new WatcherPool();
      const memOurs = await openMeasured(
        'switchboard',
        children,
        async () => ours.open(wsUrls, n, { boardId: board.id, afterSeq: await seq() }),
        n,
      );
      const ref = config.reference ? new WatcherPool() : undefined;
      const memRef = ref
        ? await openMeasured('bare-ws', references, () => ref.open(refWs, n), n)
        : undefined;
      // Both sets stay open and the phases alternate, so background load hits both alike.
      for (let round = 0; round < config.repeat; round++) {
        for (const rate of config.rates) {
          const runOurs = async () => {
            const r = await runPhase('switchboard', ours, rate, memOurs, children, writeOurs);
            frameBytes = r.frameBytes || frameBytes;
            results.push(r);
            printTable([r]);
          };
          const runRef = async () => {
            if (!ref) return;
            const r = await runPhase('bare-ws', ref, rate, memRef, references, publish);
            results.push(r);
            printTable([r]);
          };
          if (round % 2 === 0) {
            await runOurs();
            await runRef();
          } else {
            await runRef();
            await runOurs();
          }
        }
      }
      await ours.closeAll();
      await ref?.closeAll();
      await sleep(config.settleMs.closed);
    }
    await Promise.all(refHttp.map((p) => p.close()));
    await Promise.all(http.map((p) => p.close()));

    console.log('\nMemory (RSS growth of the server processes over idle connections):');
    console.table(
      memory.map((m) => ({
        stack: m.stack,
        watchers: m.watchers,
        'ready in ms': m.readyMs,
        'B/conn': m.perConnection === undefined ? '-' : Math.round(m.perConnection),
      })),
    );
    if (results.length > 0) {
      console.log('\nAll phases:');
      printTable(results);
    }
    const ratioRows = ratios(results);
    if (ratioRows.length > 0) {
      console.log('Ratios against the bare ws broadcast measured in this run:');
      console.table(ratioRows);
    }
    const cpus = os.cpus();
    const report = {
      benchmark: 'fanout',
      started: started.toISOString(),
      machine: {
        cpu: cpus[0]?.model,
        cores: cpus.length,
        memoryBytes: os.totalmem(),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadAverageAtEnd: os.loadavg(),
      },
      config: { ...config, targets: targets },
      results,
      memory,
      ratios: ratioRows,
    };
    const dir = path.join(repoRoot, 'bench-results');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `fanout-${started.toISOString().replace(/[:.]/g, '-')}.json`);
    if (args.json)
      await writeFile(
        args.json,
        JSON.stringify(
          {
            benchmark: 'fanout',
            quick,
            headline: headline(results, memory),
            missing: config.reference
              ? []
              : [{ reference: 'bare ws', reason: 'BENCH_REFERENCE=0 turned it off' }],
            details: report,
          },
          null,
          2,
        ),
      );
    if (quick) {
      console.log('\nquick mode: figures mean nothing; no results file in bench-results/');
      return;
    }
    await writeFile(file, JSON.stringify(report, null, 2));
    console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
