import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { ClientAgent } from './client-agent.js';
import { Cluster } from './cluster.js';
import { namespacePids, type NetHost } from './netns.js';

/**
 * Scale-out figures: the same write and watch load against 1, 2 and 3 API
 * hosts behind one proxy, and 3 behind two proxies. Two cores cannot show
 * scaling by themselves, so each API and proxy host gets a CPU quota of its
 * own (cgroup v1 `cpu.cfs_quota_us`; this machine has no cgroup v2): adding a
 * host adds capacity. The database and NATS hosts get larger quotas, so the
 * tier under test is the one that saturates first — unless it does not, which
 * is a finding too. CPU per host is read from `cpuacct.usage`.
 */
export interface ScaleConfig {
  apis: number;
  proxies: number;
}

export interface ScaleRow extends ScaleConfig {
  writes_per_s: number;
  p50_ms: number;
  p99_ms: number;
  failed: number;
  /** Events applied by all watchers per second (each write is one event per watcher of its board). */
  deliveries_per_s: number;
  watchers: number;
  /** CPU used over the window as a share of each host's quota (1 = saturated). */
  cpu_share: Record<string, number>;
  /** API CPU per write (ms), over all API hosts. */
  api_cpu_ms_per_write: number;
  proxy_cpu_ms_per_write: number;
  db_cpu_ms_per_write: number;
  client_cpu_ms_per_write: number;
  /** Share of scheduler periods in which API hosts were throttled. */
  api_throttled: number;
}

export interface ScaleOptions {
  configs?: ScaleConfig[];
  apiCpu?: number;
  proxyCpu?: number;
  dbCpu?: number;
  natsCpu?: number;
  /** The client host's quota; undefined: none (its CPU is still measured). */
  clientCpu?: number;
  /** Through the fault relays (as the scenarios run) or straight (default). */
  relays?: boolean;
  writers?: number;
  /** Pause between one writer's writes; 0 (default) keeps the tiers saturated. */
  pauseMs?: number;
  boards?: number;
  watchersPerBoard?: number;
  warmupMs?: number;
  windowMs?: number;
  log?: (line: string) => void;
}

const PERIOD_US = 100_000;
const CPU_ROOT = '/sys/fs/cgroup/cpu';
const ACCT_ROOT = '/sys/fs/cgroup/cpuacct';

/** One host's CPU group: a quota in `cpu`, usage in `cpuacct` (separate hierarchies here). */
class CpuGroup {
  readonly name: string;
  constructor(
    host: NetHost,
    readonly quota: number,
  ) {
    this.name = `${host.namespace}-cpu`;
    for (const root of [CPU_ROOT, ACCT_ROOT])
      mkdirSync(`${root}/${this.name}`, { recursive: true });
    writeFileSync(`${CPU_ROOT}/${this.name}/cpu.cfs_period_us`, String(PERIOD_US));
    // A quota of 0 means none: the group only measures.
    writeFileSync(
      `${CPU_ROOT}/${this.name}/cpu.cfs_quota_us`,
      quota > 0 ? String(Math.round(quota * PERIOD_US)) : '-1',
    );
    // Everything already running on the host (its children follow them).
    for (const pid of namespacePids(host.namespace)) {
      for (const root of [CPU_ROOT, ACCT_ROOT]) {
        try {
          writeFileSync(`${root}/${this.name}/cgroup.procs`, String(pid));
        } catch {
          // Gone meanwhile.
        }
      }
    }
  }

  usageNs(): number {
    return Number(readFileSync(`${ACCT_ROOT}/${this.name}/cpuacct.usage`, 'utf8').trim());
  }

  throttle(): { periods: number; throttled: number } {
    const stat = readFileSync(`${CPU_ROOT}/${this.name}/cpu.stat`, 'utf8');
    const get = (k: string) => Number(new RegExp(`${k} (\\d+)`).exec(stat)?.[1] ?? 0);
    return { periods: get('nr_periods'), throttled: get('nr_throttled') };
  }

  remove(): void {
    for (const root of [CPU_ROOT, ACCT_ROOT]) {
      const dir = `${root}/${this.name}`;
      try {
        // Processes still inside go back to the root group first.
        for (const pid of readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean))
          writeFileSync(`${root}/cgroup.procs`, pid);
        rmdirSync(dir);
      } catch {
        // Already gone.
      }
    }
  }
}

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
};

export async function runScaleConfig(config: ScaleConfig, options: ScaleOptions = {}) {
  const log = options.log ?? (() => {});
  const cluster = new Cluster({
    apis: config.apis,
    proxies: config.proxies,
    natsNodes: 1,
    relays: options.relays ?? false,
    log,
  });
  const groups: { role: string; group: CpuGroup }[] = [];
  let agent: ClientAgent | undefined;
  try {
    await cluster.start();
    const apiCpu = options.apiCpu ?? 0.4;
    for (const a of cluster.apis) groups.push({ role: 'api', group: new CpuGroup(a.host, apiCpu) });
    for (const p of cluster.proxies)
      groups.push({ role: 'proxy', group: new CpuGroup(p.host, options.proxyCpu ?? 0.4) });
    groups.push({ role: 'db', group: new CpuGroup(cluster.dbHost, options.dbCpu ?? 1.0) });
    for (const n of cluster.natsHosts)
      groups.push({ role: 'nats', group: new CpuGroup(n, options.natsCpu ?? 0.3) });

    const proxies = cluster.proxies.map((p) => p.url);
    const boards: number[] = [];
    for (let i = 0; i < (options.boards ?? 8); i++) {
      const res = await fetch(`${proxies[0]}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: `scale-${i}` }),
      });
      if (res.status !== 201) throw new Error(`create board: ${res.status} ${await res.text()}`);
      boards.push(((await res.json()) as { id: number }).id);
    }
    const watchersPerBoard = options.watchersPerBoard ?? 5;
    agent = ClientAgent.spawn(cluster.clientHost);
    // The agent runs in the client namespace: measured (and capped when asked) like a host.
    groups.push({
      role: 'client',
      group: new CpuGroup(cluster.clientHost, options.clientCpu ?? 0),
    });
    await agent.start({
      proxies,
      boards,
      writers: options.writers ?? 32,
      watchersPerBoard,
      pauseMs: options.pauseMs ?? 0,
    });
    await new Promise((r) => setTimeout(r, options.warmupMs ?? 5_000));
    const from = Date.now();
    const before = groups.map((g) => ({ ...g, ns: g.group.usageNs(), t: g.group.throttle() }));
    await new Promise((r) => setTimeout(r, options.windowMs ?? 15_000));
    const to = Date.now();
    const after = before.map((g) => ({ ...g, ns2: g.group.usageNs(), t2: g.group.throttle() }));
    const report = await agent.stopWrites();
    const heads = await cluster.boardHeads(boards);
    const watched = await agent.catchUp(heads, 30_000);

    const seconds = (to - from) / 1000;
    const inWindow = report.acked.filter((a) => a.at >= from && a.at < to);
    // Latencies in order of acknowledgement: those of the window's writes.
    const firstIndex = report.acked.findIndex((a) => a.at >= from);
    const latencies = report.latenciesMs.slice(firstIndex, firstIndex + inWindow.length);
    const writes = inWindow.length;
    const cpuBy = (role: string) =>
      after.filter((g) => g.role === role).reduce((sum, g) => sum + (g.ns2 - g.ns) / 1e6, 0);
    const share: Record<string, number> = {};
    for (const g of after) {
      share[g.group.name.replace(/^.*?-/, '').replace(/-cpu$/, '')] =
        // Without a quota: the share of one core.
        Math.round(((g.ns2 - g.ns) / 1e9 / seconds / (g.group.quota || 1)) * 100) / 100;
    }
    const apiThrottle = after
      .filter((g) => g.role === 'api')
      .reduce(
        (acc, g) => ({
          periods: acc.periods + (g.t2.periods - g.t.periods),
          throttled: acc.throttled + (g.t2.throttled - g.t.throttled),
        }),
        { periods: 0, throttled: 0 },
      );
    const watchers = watched.reports.length;
    const row: ScaleRow = {
      ...config,
      writes_per_s: Math.round(writes / seconds),
      p50_ms: percentile(latencies, 0.5),
      p99_ms: percentile(latencies, 0.99),
      failed: report.failed.filter((f) => f.at >= from && f.at < to).length,
      // Each write is one event on one board, applied by that board's watchers.
      deliveries_per_s: Math.round((writes * watchersPerBoard) / seconds),
      watchers,
      cpu_share: share,
      api_cpu_ms_per_write: Math.round((cpuBy('api') / Math.max(1, writes)) * 100) / 100,
      proxy_cpu_ms_per_write: Math.round((cpuBy('proxy') / Math.max(1, writes)) * 100) / 100,
      db_cpu_ms_per_write: Math.round((cpuBy('db') / Math.max(1, writes)) * 100) / 100,
      client_cpu_ms_per_write: Math.round((cpuBy('client') / Math.max(1, writes)) * 100) / 100,
      api_throttled:
        Math.round((apiThrottle.throttled / Math.max(1, apiThrottle.periods)) * 100) / 100,
    };
    if (!watched.caughtUp) log('note: some watchers had not caught up 30 s after the writes');
    return row;
  } finally {
    await agent?.stop().catch(() => {});
    await cluster.stop();
    for (const g of groups) g.group.remove();
  }
}

export const defaultScaleConfigs: ScaleConfig[] = [
  { apis: 1, proxies: 1 },
  { apis: 2, proxies: 1 },
  { apis: 3, proxies: 1 },
  { apis: 3, proxies: 2 },
];

export async function runScale(options: ScaleOptions = {}) {
  const rows: ScaleRow[] = [];
  for (const config of options.configs ?? defaultScaleConfigs) {
    options.log?.(`scale: ${config.apis} API host(s), ${config.proxies} proxy host(s)`);
    const row = await runScaleConfig(config, options);
    options.log?.(`scale: ${JSON.stringify(row)}`);
    rows.push(row);
  }
  return {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    quotas: {
      api: options.apiCpu ?? 0.4,
      proxy: options.proxyCpu ?? 0.4,
      db: options.dbCpu ?? 1.0,
      nats: options.natsCpu ?? 0.3,
      client: options.clientCpu ?? 'none',
    },
    relays: options.relays ?? false,
    writers: options.writers ?? 32,
    pause_ms: options.pauseMs ?? 0,
    rows,
  };
}
