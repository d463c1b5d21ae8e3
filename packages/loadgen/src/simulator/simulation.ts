import { randomBytes } from 'node:crypto';
import { type BoardDetail, mulberry32 } from '@switchboard/core';
import { Agent } from 'undici';
import { SimClient } from './client.js';
import { Recorder, type SimulationSummary } from './recorder.js';
import { type ActionName, actionWeights, VirtualUser } from './virtual-user.js';

export interface SimulationOptions {
  /** Where the product answers, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Simulated people, each on a board of their own. */
  users: number;
  /** Actions per second across all users (open loop: a slow server does not lower it). */
  rate: number;
  durationSeconds: number;
  /** Accounts to register (users share them); accounts mode only. */
  accounts: number;
  /** An existing session token to use instead of registering. */
  token?: string;
  /** Keep the simulated boards afterwards. */
  keep?: boolean;
  seed?: number;
  onProgress?: (line: string) => void;
}

export interface SimulationReport extends SimulationSummary {
  url: string;
  auth_mode: string;
  users: number;
  offered_rate: number;
  achieved_rate: number;
  duration_s: number;
  /** Actions not started because too many were already waiting (the client, not the server, was the limit). */
  skipped: number;
}

function weightedPicker(random: () => number): () => ActionName {
  const entries = Object.entries(actionWeights) as [ActionName, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let r = random() * total;
    for (const [name, w] of entries) {
      if ((r -= w) < 0) return name;
    }
    return entries[0]![0];
  };
}

const maxInFlight = 256;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Seed 004's traffic simulator: people registering, opening boards, adding,
 * moving, completing and deleting tasks, at a steady offered rate, with what
 * every answer was, how long it took and which backend served it.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const log = options.onProgress ?? (() => {});
  // Seeded, so a run can be repeated.
  const random = mulberry32(options.seed ?? Date.now());
  // Set-up calls (register, create boards) are kept out of the traffic figures.
  const recorder = new Recorder();
  const traffic = new Recorder();
  const dispatcher = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const anonymous = new SimClient(options.url, dispatcher, recorder);
  const run = randomBytes(3).toString('hex');

  const me = await anonymous.call('setup', 'GET', '/api/me');
  if (me.status === 0) throw new Error(`cannot reach ${options.url}`);
  const authMode =
    me.status === 200 ? String((me.body as { auth_mode?: string }).auth_mode) : 'accounts';
  const clients: SimClient[] = [];
  if (options.token) clients.push(anonymous.withToken(options.token));
  else if (authMode === 'open') clients.push(anonymous);
  else {
    for (let k = 0; k < Math.max(1, Math.min(options.accounts, options.users)); k++) {
      const res = await anonymous.call('setup', 'POST', '/api/auth/register', {
        username: `sim${run}u${k}`,
        password: `simulated ${run} password`,
      });
      if (res.status === 201)
        clients.push(anonymous.withToken((res.body as { token: string }).token));
      else if (res.status === 429) break;
      else throw new Error(`register answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    if (clients.length === 0) {
      throw new Error(
        'registration is rate-limited from this address; pass --token with an existing session',
      );
    }
  }
  log(`${authMode} mode, ${clients.length} account(s); creating ${options.users} boards`);
  const users: VirtualUser[] = [];
  for (let i = 0; i < options.users; i++) {
    const client = clients[i % clients.length]!;
    const res = await client.call('setup', 'POST', '/api/boards', {
      title: `Simulation ${run} #${i + 1}`,
    });
    if (res.status !== 201)
      throw new Error(`creating a board answered ${res.status}: ${JSON.stringify(res.body)}`);
    const board = res.body as BoardDetail;
    users.push(new VirtualUser(`u${i + 1}`, client.recordingTo(traffic), board.id, board, random));
  }

  const pick = weightedPicker(random);
  const interval = 1000 / options.rate;
  const durationMs = options.durationSeconds * 1000;
  const inflight = new Set<Promise<void>>();
  let started = 0;
  let skipped = 0;
  const t0 = performance.now();
  let lastReport = t0;
  for (let k = 0; k * interval < durationMs; k++) {
    const due = t0 + k * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inflight.size >= maxInFlight) {
      skipped++;
      continue;
    }
    const user = users[Math.floor(random() * users.length)]!;
    const p = user.act(pick()).finally(() => inflight.delete(p));
    inflight.add(p);
    started++;
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      log(
        `${((lastReport - t0) / 1000).toFixed(0)} s: ${traffic.requests} requests answered, ${inflight.size} in flight`,
      );
    }
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - t0) / 1000;
  if (!options.keep) {
    await Promise.all(
      users.map((u) => u.client.call('cleanup', 'DELETE', `/api/boards/${u.boardId}`)),
    );
  }
  await dispatcher.close();
  const summary = traffic.summary();
  return {
    url: options.url,
    auth_mode: authMode,
    users: options.users,
    offered_rate: options.rate,
    achieved_rate: Number((started / elapsed).toFixed(1)),
    duration_s: Number(elapsed.toFixed(1)),
    skipped,
    ...summary,
  };
}

export function formatSimulationReport(r: SimulationReport): string {
  const lines = [
    `Simulated ${r.users} users against ${r.url} (${r.auth_mode} mode) for ${r.duration_s} s`,
    `offered ${r.offered_rate} actions/s, started ${r.achieved_rate}/s, ${r.requests} requests answered` +
      (r.skipped ? `, ${r.skipped} not started (client saturated)` : ''),
    `status classes: ${
      Object.entries(r.status_classes)
        .map(([k, n]) => `${k} ${n}`)
        .join('  ') || '-'
    }`,
    `served by: ${
      Object.entries(r.backends)
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join('  ') || '-'
    }`,
    '',
    `${'action'.padEnd(14)} ${'count'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  statuses`,
    ...r.actions.map(
      (a) =>
        `${a.action.padEnd(14)} ${String(a.count).padStart(7)} ${a.p50_ms.toFixed(1).padStart(8)} ${a.p95_ms.toFixed(1).padStart(8)} ${a.p99_ms.toFixed(1).padStart(8)}  ${Object.entries(
          a.statuses,
        )
          .map(([s, n]) => `${s}:${n}`)
          .join(' ')}`,
    ),
  ];
  const errors = Object.entries(r.errors);
  if (errors.length)
    lines.push('', 'transport errors:', ...errors.map(([e, n]) => `  ${n} × ${e}`));
  return lines.join('\n');
}
