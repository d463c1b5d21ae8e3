/**
 * gRPC benchmark (not a test): unary calls through the proxy's gRPC listener
 * (h2c in, h2c pool out) against the same calls straight to the backend, in
 * the same run. The backend (node:http2 answering a tiny gRPC unary) and the
 * proxy each run in their own process; the client is this process: a raw
 * HTTP/2 client keeping `--concurrency` calls in flight over 2 connections.
 * Loopback only; stops by itself.
 *
 *   node --conditions=source --import tsx packages/proxy/bench/grpc-bench.ts [--duration 10] [--concurrency 64]
 *     [--json <file>]   also write the headline figures for `npm run bench` (scripts/bench.mjs)
 *     [--quick]         1 s per target, no warm-up: proves it runs, figures mean nothing
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const self = fileURLToPath(import.meta.url);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const DURATION_S = Number(values.duration ?? (quick ? 1 : 10));
const WARMUP_S = quick ? 0 : 2;
const CONCURRENCY = Number(values.concurrency);

/** A gRPC message: 5-byte prefix, then the bytes. */
function grpcFrame(payload: Buffer): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32BE(payload.length, 1);
  payload.copy(b, 5);
  return b;
}

const REQUEST = grpcFrame(Buffer.from('hello switchboard'));

/** Role `backend`: answers every call with a small message and grpc-status 0. */
async function backend(): Promise<void> {
  const reply = grpcFrame(Buffer.from('answer from the backend'));
  const server = createServer();
  server.on('stream', (stream) => {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  console.log(`READY ${(server.address() as AddressInfo).port}`);
}

/** Role `proxy <backendPort>`: the proxy with a gRPC listener in front of that backend. */
async function proxy(backendPort: string): Promise<void> {
  const { parseProxyConfig, startProxy } = await import('../src/index.js');
  const p = await startProxy(
    parseProxyConfig({
      listen: '127.0.0.1:0',
      admin: { enabled: false },
      log: { level: 'silent', access: false },
      analytics: { enabled: false, persist: false },
      grpc: { listen: '127.0.0.1:0', pool: 'grpc' },
      pools: {
        grpc: {
          protocol: 'h2c',
          backends: [{ id: 'b1', url: `http://127.0.0.1:${backendPort}` }],
          health: { enabled: false },
        },
      },
    }),
  );
  console.log(`READY ${(p as unknown as { grpcPort: number }).grpcPort}`);
}

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function startRole(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', self, ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

interface Round {
  calls: number;
  errors: number;
  callsPerSec: number;
  p50: number;
  p99: number;
}

/** Keeps CONCURRENCY unary calls in flight for `seconds`; latencies in ms. */
async function load(port: number, seconds: number): Promise<Round> {
  const sessions: ClientHttp2Session[] = [0, 1].map(() => connect(`http://127.0.0.1:${port}`));
  await Promise.all(sessions.map((s) => new Promise((r) => s.once('connect', r))));
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const s = (sessions[n++ % sessions.length] as ClientHttp2Session).request({
        ':method': 'POST',
        ':path': '/bench.Echo/Unary',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      let status: string | undefined;
      s.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
      s.on('response', (h) => {
        if (h['grpc-status'] !== undefined) status = h['grpc-status'] as string;
      });
      s.on('data', () => {});
      s.on('close', () => {
        if (status === '0') lat.push(performance.now() - started);
        else errors++;
        resolve();
      });
      s.on('error', () => {});
      s.end(REQUEST);
    });
  const worker = async (): Promise<void> => {
    while (performance.now() < end) await one();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  for (const s of sessions) s.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) => round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0);
  return {
    calls: lat.length,
    errors,
    callsPerSec: Math.round(lat.length / elapsed),
    p50: q(0.5),
    p99: q(0.99),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const backendPort = await startRole(['backend']);
  const proxyPort = await startRole(['proxy', String(backendPort)]);
  const results: Record<string, Round> = {};
  for (const [name, port] of [
    ['direct', backendPort],
    ['proxy', proxyPort],
  ] as const) {
    if (WARMUP_S > 0) await load(port, WARMUP_S);
    results[name] = await load(port, DURATION_S);
  }
  const loadAfter = loadavg();
  const d = results.direct as Round;
  const p = results.proxy as Round;
  const ratio = d.callsPerSec > 0 ? round(p.callsPerSec / d.callsPerSec) : null;
  console.log(
    `gRPC unary, ${CONCURRENCY} in flight over 2 connections, ${DURATION_S} s each (${cpus().length} cores, node ${process.version})`,
  );
  console.log('target   calls/s    p50 ms   p99 ms   errors');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(8)} ${String(r.callsPerSec).padStart(7)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(8)}`,
    );
  }
  console.log(`proxy / direct: ${ratio}`);
  console.log(
    `load average (1, 5, 15 min): before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`,
  );
  if (values.json) {
    writeFileSync(
      values.json,
      JSON.stringify(
        {
          benchmark: 'grpc',
          quick,
          headline: [
            {
              figure: 'gRPC unary calls/s through the proxy',
              unit: 'calls/s',
              better: 'higher',
              value: p.callsPerSec,
              reference: 'direct to the backend',
              referenceValue: d.callsPerSec,
              ratio,
            },
            {
              figure: 'gRPC unary p99 through the proxy',
              unit: 'ms',
              better: 'lower',
              value: p.p99,
              reference: 'direct to the backend',
              referenceValue: d.p99,
              ratio: d.p99 > 0 ? round(p.p99 / d.p99) : null,
            },
          ],
          missing: [],
          details: {
            results,
            concurrency: CONCURRENCY,
            durationS: DURATION_S,
            loadavg: { before: loadBefore, after: loadAfter },
            machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
          },
        },
        null,
        2,
      ),
    );
  }
}

const role = positionals[0];
const run =
  role === 'backend' ? backend() : role === 'proxy' ? proxy(positionals[1] ?? '') : main();
run
  .then(() => {
    if (role === undefined) process.exit(0);
  })
  .catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
