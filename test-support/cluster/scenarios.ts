import { jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { busNames } from '@switchboard/api';
import { ClientAgent } from './client-agent.js';
import { Cluster } from './cluster.js';
import { powerOff, waitFor } from './host-process.js';

/**
 * The faults of issue 12, each played against a fresh cluster under write
 * load and live watchers:
 *
 *   warm-up → fault → (heal) → `afterMs` more of load → stop writes →
 *   watchers catch up to the log head → compare
 *
 * The result is the line `npm run cluster` prints.
 */
export interface ScenarioResult {
  scenario: string;
  lost_acks: number;
  event_lists_equal: boolean;
  failed_requests: number;
  recovery_s: number;
}

export interface ScenarioDetails extends ScenarioResult {
  acked_writes: number;
  /** Acknowledged writes' latency over the whole run (ms). */
  write_p50_ms: number;
  write_p99_ms: number;
  write_max_ms: number;
  /** Acknowledged writes and their mean latency (ms) by the instance that served them. */
  served_by: Record<string, { writes: number; mean_ms: number }>;
  attempted_writes: number;
  /** Failed requests by what the client saw. */
  failures: Record<string, number>;
  watchers: number;
  watchers_caught_up: boolean;
  reconnects: number;
  gaps_filled: number;
  snapshots: number;
  fault_s: number;
  wall_s: number;
  /** What the fault did, as the harness saw it (e.g. when the proxies ejected a backend). */
  notes: string[];
}

interface Scenario {
  description: string;
  natsNodes?: 1 | 3;
  /** How long the fault lasts before heal (or before the run goes on without the host). */
  faultMs: number;
  inject(cluster: Cluster, notes: string[]): Promise<void>;
  heal?(cluster: Cluster, notes: string[]): Promise<void>;
}

const api1 = (c: Cluster) => c.apis[0]!;

export const scenarios: Record<string, Scenario> = {
  'api-host-power-off': {
    description: 'api-1 loses power under load: its cable first (silence), then every process.',
    faultMs: 12_000,
    async inject(c) {
      c.net.setLink(api1(c).host.name, false);
      powerOff(api1(c).host);
    },
  },
  'api-db-partition': {
    description: 'api-1 cannot reach PostgreSQL (silence) but the proxies still reach it.',
    faultMs: 15_000,
    async inject(c) {
      api1(c).dbRelay!.set({ blackhole: true });
    },
    async heal(c) {
      api1(c).dbRelay!.heal();
    },
  },
  'api-bus-partition': {
    description: 'api-1 cannot reach NATS; its watchers must still get every event (from the log).',
    faultMs: 15_000,
    async inject(c) {
      api1(c).busRelay?.set({ blackhole: true });
    },
    async heal(c) {
      api1(c).busRelay?.heal();
    },
  },
  'slow-link': {
    description: '200 ms ± 50 ms and 5% loss between both proxies and api-1.',
    faultMs: 20_000,
    async inject(c) {
      for (const p of c.proxies)
        p.backendRelays[0]!.set({ delayMs: 200, jitterMs: 50, loss: 0.05 });
    },
    async heal(c) {
      for (const p of c.proxies) p.backendRelays[0]!.heal();
    },
  },
  'proxy-host-loss': {
    description: 'proxy-1 loses power while clients hold WebSockets through it.',
    faultMs: 12_000,
    async inject(c) {
      const proxy = c.proxies[0]!;
      c.net.setLink(proxy.host.name, false);
      powerOff(proxy.host);
    },
  },
  'nats-leader-loss': {
    description: 'The JetStream node that leads the board stream (R3) is killed.',
    natsNodes: 3,
    faultMs: 12_000,
    async inject(c, notes) {
      const leader = await streamLeader(c);
      const index = c.natsHosts.findIndex((_, i) => `nats-${i + 1}` === leader);
      if (index < 0) throw new Error(`stream leader ${leader} is not one of ours`);
      notes.push(`killed ${leader}, the SB_BOARDS leader`);
      c.net.setLink(c.natsHosts[index]!.name, false);
      powerOff(c.natsHosts[index]!);
    },
  },
  'db-restart': {
    description: 'PostgreSQL restarted (fast shutdown, 2 s down, start, crash-safe).',
    faultMs: 0,
    async inject(c, notes) {
      const t = Date.now();
      await c.stopDatabase();
      await new Promise((r) => setTimeout(r, 2_000));
      await c.startDatabase();
      notes.push(`PostgreSQL down for ${((Date.now() - t) / 1000).toFixed(1)} s`);
    },
  },
};

export const defaultSubset = [
  'api-db-partition',
  'api-host-power-off',
  'proxy-host-loss',
  'db-restart',
];

/** The board stream replicated on all three nodes, as an operator would create it before the APIs. */
async function createReplicatedStreams(c: Cluster): Promise<void> {
  const names = busNames('');
  const nc = await connect({ servers: c.natsHosts.map((_, i) => c.natsUrlOf(i)) });
  try {
    const jsm = await jetstreamManager(nc);
    for (const [name, subjects] of [
      [names.natsStream, names.natsSubjects],
      [names.natsTasksStream, names.natsTaskSubjects],
    ] as const) {
      await waitFor(
        `stream ${name}`,
        async () => {
          await jsm.streams.add({
            name,
            subjects: [subjects],
            retention: RetentionPolicy.Limits,
            storage: StorageType.File,
            discard: DiscardPolicy.Old,
            num_replicas: 3,
          });
          return true;
        },
        30_000,
        500,
      );
    }
  } finally {
    await nc.close();
  }
}

async function streamLeader(c: Cluster): Promise<string | undefined> {
  const nc = await connect({ servers: c.natsHosts.map((_, i) => c.natsUrlOf(i)) });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(busNames('').natsStream);
    return info.cluster?.leader;
  } finally {
    await nc.close();
  }
}

export interface RunOptions {
  log?: (line: string) => void;
  warmupMs?: number;
  /** After the fault (or its heal): load goes on this long. */
  afterMs?: number;
  writers?: number;
  watchersPerBoard?: number;
}

export async function runScenario(
  name: string,
  options: RunOptions = {},
): Promise<ScenarioDetails> {
  const scenario = scenarios[name];
  if (!scenario)
    throw new Error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}`);
  const log = options.log ?? (() => {});
  const started = Date.now();
  const notes: string[] = [];
  const cluster = new Cluster({
    natsNodes: scenario.natsNodes ?? 1,
    log,
    beforeApis: scenario.natsNodes === 3 ? createReplicatedStreams : undefined,
  });
  let agent: ClientAgent | undefined;
  try {
    log(`${name}: starting the cluster`);
    await cluster.start();
    log(`${name}: cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const proxies = cluster.proxies.map((p) => p.url);
    const boards: number[] = [];
    for (const title of ['cluster-a', 'cluster-b']) {
      const res = await fetch(`${proxies[0]}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
      if (res.status !== 201) throw new Error(`create board: ${res.status} ${await res.text()}`);
      boards.push(((await res.json()) as { id: number }).id);
    }
    agent = ClientAgent.spawn(cluster.clientHost);
    await agent.start({
      proxies,
      boards,
      writers: options.writers ?? 4,
      watchersPerBoard: options.watchersPerBoard ?? 3,
    });
    await sleep(options.warmupMs ?? 4_000);

    log(`${name}: fault — ${scenario.description}`);
    const faultAt = Date.now();
    await scenario.inject(cluster, notes);
    const watching = watchIdleTransactions(cluster, 'switchboard-api-1', faultAt, notes);
    await sleep(Math.max(0, scenario.faultMs - (Date.now() - faultAt)));
    await watching.stop();
    if (scenario.heal) {
      log(`${name}: heal`);
      await scenario.heal(cluster, notes);
    }
    const faultS = (Date.now() - faultAt) / 1000;
    await sleep(options.afterMs ?? 8_000);
    const writes = await agent.stopWrites();
    const heads = await cluster.boardHeads(boards);
    const watched = await agent.catchUp(heads, 30_000);

    const found = new Set(
      (
        await cluster.sql<{ id: number }>('SELECT id::int AS id FROM tasks WHERE id = ANY($1)', [
          writes.acked.map((a) => a.taskId),
        ])
      ).map((r) => r.id),
    );
    const lost = writes.acked.filter((a) => !found.has(a.taskId)).length;
    const logs = new Map<number, string>();
    for (const boardId of boards) {
      const rows = await cluster.sql<{ seq: number; id: string }>(
        'SELECT seq::int AS seq, id::text AS id FROM board_events WHERE board_id = $1 ORDER BY seq',
        [boardId],
      );
      logs.set(boardId, JSON.stringify(rows.map((r) => [r.seq, r.id])));
    }
    const equal = watched.reports.every((w) => JSON.stringify(w.applied) === logs.get(w.boardId));

    const failures: Record<string, number> = {};
    for (const f of writes.failed) failures[f.kind] = (failures[f.kind] ?? 0) + 1;
    const lastFailure = Math.max(
      faultAt,
      ...writes.failed.filter((f) => f.at >= faultAt).map((f) => f.at),
    );
    const resumes = watched.reports.flatMap((w) =>
      w.reconnects.map((r) => r.resumedAt ?? Date.now()),
    );
    const lastResume = Math.max(faultAt, ...resumes.filter((t) => t >= faultAt));
    const recovery = (Math.max(lastFailure, lastResume) - faultAt) / 1000;
    return {
      scenario: name,
      lost_acks: lost,
      event_lists_equal: equal && watched.caughtUp,
      failed_requests: writes.failed.length,
      recovery_s: Math.round(recovery * 10) / 10,
      acked_writes: writes.acked.length,
      write_p50_ms: percentile(writes.latenciesMs, 0.5),
      write_p99_ms: percentile(writes.latenciesMs, 0.99),
      write_max_ms: percentile(writes.latenciesMs, 1),
      served_by: Object.fromEntries(
        Object.entries(writes.servedBy).map(([id, n]) => [
          id,
          { writes: n, mean_ms: Math.round(writes.meanMsBy[id] ?? 0) },
        ]),
      ),
      attempted_writes: writes.attempted,
      failures,
      watchers: watched.reports.length,
      watchers_caught_up: watched.caughtUp,
      reconnects: watched.reports.reduce((n, w) => n + w.reconnects.length, 0),
      gaps_filled: watched.reports.reduce((n, w) => n + w.gapsFilled, 0),
      snapshots: watched.reports.reduce((n, w) => n + w.snapshots, 0),
      fault_s: Math.round(faultS * 10) / 10,
      wall_s: Math.round((Date.now() - started) / 100) / 10,
      notes,
    };
  } finally {
    await agent?.stop().catch(() => {});
    await cluster.stop();
  }
}

/**
 * Sessions of an instance left idle in a transaction (holding its row locks)
 * while it is cut off: how many, and when the server ended them.
 */
function watchIdleTransactions(
  cluster: Cluster,
  application: string,
  since: number,
  notes: string[],
) {
  let running = true;
  let most = 0;
  let clearedAt: number | undefined;
  const loop = (async () => {
    while (running) {
      const rows = await cluster
        .sql<{ n: number }>(
          // Longer than a live transaction ever waits between two statements.
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1
             AND state LIKE 'idle in transaction%' AND now() - state_change > interval '1 second'`,
          [application],
        )
        .catch(() => [{ n: 0 }]);
      const n = rows[0]?.n ?? 0;
      if (n > most) {
        most = n;
        clearedAt = undefined;
      }
      if (n === 0 && most > 0 && clearedAt === undefined) clearedAt = Date.now();
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      if (most > 0)
        notes.push(
          `${application}: ${most} session(s) idle in a transaction for over 1 s after the fault, ${
            clearedAt ? `ended ${((clearedAt - since) / 1000).toFixed(1)} s after it` : 'still open'
          }`,
        );
    },
  };
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
