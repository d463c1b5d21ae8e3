// The benchmarks `npm run bench` runs, in this order. Each is the npm script
// that runs it on its own (its command is read from that package.json, so it
// is stated once), given `--json <file>` and, in quick mode, `--quick`.
// `env` adds what it needs beyond the runner's environment: the PostgreSQL
// server to make scratch databases on, under the name that benchmark reads.
// `write` and `startup` bring their own embedded PostgreSQL.

/** @typedef {{ name: string, what: string, dir: string, script: string, env?: (adminUrl: string) => Record<string, string> }} Benchmark */

/** @type {Benchmark[]} */
export const benchmarks = [
  {
    name: 'proxy',
    what: 'proxy throughput, CPU and tail vs HAProxy, nginx, reply-from (wrk)',
    dir: 'packages/proxy',
    script: 'bench',
  },
  {
    name: 'grpc',
    what: 'gRPC unary calls through the proxy (h2c) vs direct to the same backend',
    dir: 'packages/proxy',
    script: 'bench:grpc',
  },
  {
    name: 'write',
    what: 'POST /api/tasks through proxy and API vs pgbench, same transaction',
    dir: 'packages/loadgen',
    script: 'bench:write',
  },
  {
    name: 'fanout',
    what: 'WebSocket fan-out latency and rate vs a bare ws broadcast',
    dir: 'packages/loadgen',
    script: 'bench:fanout',
    env: (adminUrl) => ({ BENCH_DATABASE_URL: adminUrl }),
  },
  {
    name: 'startup',
    what: 'start-up time and idle memory, compiled vs tsx',
    dir: '.',
    script: 'bench:startup',
  },
  {
    name: 'attachments',
    what: 'file upload and download vs direct PostgreSQL and bare HTTP',
    dir: 'packages/api',
    script: 'bench:attachments',
    env: (adminUrl) => ({ DATABASE_URL: adminUrl }),
  },
  {
    name: 'cards',
    what: 'GET of a big board and a comment page (absolute: no reference)',
    dir: 'packages/api',
    script: 'bench:cards',
    env: (adminUrl) => ({ DATABASE_URL: adminUrl }),
  },
  {
    name: 'backup',
    what: 'backup and restore peak memory at N and 3N events',
    dir: 'packages/cli',
    script: 'bench:backup',
    env: (adminUrl) => ({ BENCH_DATABASE_URL: adminUrl }),
  },
];
