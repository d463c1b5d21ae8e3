import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { runSimulation, type SimulationReport } from '@switchboard/loadgen';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { freePort } from '../../../test-support/processes.js';
import { sleep, stackTraces, waitUntil } from './support/wait.js';

/**
 * Rolling updates without errors: `switchboard up` with three API instances
 * under traffic (writers on a watched board, the loadgen simulator on boards of
 * its own, WebSocket watchers that resume by seq) gets SIGHUP twice; every
 * instance is replaced each time. No request fails and every watcher applies
 * exactly the board's log.
 */
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-rolling-'));
let db: TestDatabase | undefined;
let up: ChildProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase('rolling');
});

afterAll(async () => {
  if (up?.pid && up.exitCode === null) {
    try {
      process.kill(-up.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  await db?.drop();
});

/**
 * A watcher of one board that behaves as the web app does: resumes by seq after
 * every close, drops what it already has, holds an event that arrives ahead of
 * its turn and, if the missing ones do not follow, fetches them over REST.
 */
class Watcher {
  applied: { seq: number; id: string }[] = [];
  received = 0;
  duplicates = 0;
  /** Events that arrived ahead of a missing one. */
  outOfOrder = 0;
  /** Gaps that only REST filled. */
  catchUps = 0;
  snapshots = 0;
  reconnects = 0;
  closeCodes: number[] = [];
  private readonly ahead = new Map<number, { seq: number; id: string }>();
  private catchUpTimer: NodeJS.Timeout | undefined;
  private ws: WebSocket | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly boardId: number,
  ) {
    this.connect();
  }

  get last(): number {
    return this.applied.at(-1)?.seq ?? 0;
  }

  private connect(): void {
    const ws = new WebSocket(`ws://${new URL(this.url).host}/ws`, 'switchboard.v1');
    this.ws = ws;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', board_id: this.boardId, after_seq: this.last }));
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as {
        type: string;
        seq?: number;
        event?: { id: string };
      };
      if (msg.type === 'snapshot') this.snapshots++;
      if (msg.type !== 'event' || msg.seq === undefined) return;
      this.received++;
      this.take({ seq: msg.seq, id: msg.event!.id });
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      this.closeCodes.push(code);
      if (this.stopped) return;
      this.reconnects++;
      setTimeout(() => this.connect(), 50 + Math.random() * 100);
    });
  }

  private take(e: { seq: number; id: string }, fromRest = false): void {
    if (e.seq <= this.last) {
      if (!fromRest) this.duplicates++;
      return;
    }
    if (e.seq > this.last + 1) {
      if (!this.ahead.has(e.seq) && !fromRest) this.outOfOrder++;
      this.ahead.set(e.seq, e);
      this.catchUpTimer ??= setTimeout(() => void this.catchUp(), 400);
      return;
    }
    this.applied.push(e);
    for (let next = this.ahead.get(this.last + 1); next; next = this.ahead.get(this.last + 1)) {
      this.ahead.delete(next.seq);
      this.applied.push(next);
    }
    for (const seq of this.ahead.keys()) if (seq <= this.last) this.ahead.delete(seq);
  }

  private async catchUp(): Promise<void> {
    this.catchUpTimer = undefined;
    if (this.ahead.size === 0) return;
    this.catchUps++;
    for (const e of await boardLog(this.url, this.boardId, this.last)) this.take(e, true);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.catchUpTimer);
    this.ws?.close();
  }
}

/** Writers that create tasks on the watched board without pause; every answer is counted. */
class Writers {
  requests = 0;
  failed: string[] = [];
  private stopping = false;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly url: string,
    private readonly boardId: number,
    n: number,
  ) {
    this.loops = Array.from({ length: n }, (_, w) => this.loop(w));
  }

  private async loop(w: number): Promise<void> {
    for (let i = 0; !this.stopping; i++) {
      this.requests++;
      try {
        const res = await fetch(`${this.url}/api/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ board_id: this.boardId, title: `w${w}-${i}` }),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        if (res.status !== 201) this.failed.push(`${res.status} ${text.slice(0, 200)}`);
      } catch (err) {
        this.failed.push(`fetch failed: ${(err as Error).message}`);
      }
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }
}

describe('switchboard up: SIGHUP restarts every API instance, one at a time', () => {
  it('under traffic: 0 failed requests, every watcher applies exactly the board log', async () => {
    writeFileSync(path.join(dataDir, 'index.html'), '<!doctype html><title>t</title>');
    const [port, adminPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${port}`;
    up = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', 'up'],
      {
        cwd: repoRoot,
        detached: true,
        env: {
          ...process.env,
          PORT: String(port),
          ADMIN_ADDR: `127.0.0.1:${adminPort}`,
          // gRPC is tested on its own ports; tests run side by side.
          GRPC_PORT: 'off',
          DATA_DIR: path.join(dataDir, 'data'),
          WEB_ROOT: dataDir,
          API_INSTANCES: '3',
          AUTH_MODE: 'open',
          DATABASE_URL: db!.url,
          RATE_LIMIT_PER_MINUTE: '0',
          LOG_LEVEL: 'warn',
          SHUTDOWN_DELAY_MS: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    up.stdout!.on('data', (d) => (output += d));
    up.stderr!.on('data', (d) => (output += d));
    onTestFailed(() => console.log(`switchboard up said:\n${output}`));
    await waitUntil(
      () => output.includes('ready in') || up!.exitCode !== null,
      'switchboard up to get ready',
      180_000,
    );
    expect(output).toContain('ready in');

    const board = (await (
      await fetch(`${url}/api/boards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'rolling restart' }),
      })
    ).json()) as { id: number };
    const watchers = Array.from({ length: 6 }, () => new Watcher(url, board.id));
    const writers = new Writers(url, board.id, 2);
    // The loadgen simulator on boards of its own, in rounds until the restarts are done.
    const simulations: SimulationReport[] = [];
    let restarting = true;
    const simulating = (async () => {
      while (restarting) {
        simulations.push(
          await runSimulation({ url, users: 3, rate: 4, durationSeconds: 5, accounts: 1 }),
        );
      }
    })();
    await waitUntil(() => writers.requests > 20, 'traffic to flow', 60_000);

    // How busy the machine is (other runs share it): a first-byte timeout then says little.
    let maxLoad = loadavg()[0]!;
    const sampler = setInterval(() => (maxLoad = Math.max(maxLoad, loadavg()[0]!)), 1000);
    const instancesBefore = await backendIds(adminPort, dataDir);
    for (let round = 1; round <= 2; round++) {
      process.kill(up.pid!, 'SIGHUP');
      await waitUntil(
        () => (output.match(/rolling restart done/g) ?? []).length >= round,
        `rolling restart ${round}`,
        240_000,
      );
      expect(output).not.toContain('rolling restart failed');
    }
    const instancesAfter = await backendIds(adminPort, dataDir);
    clearInterval(sampler);
    restarting = false;
    await simulating;
    await writers.stop();

    // Every watcher catches up with the board's log, then the log is read once.
    const log = await boardLog(url, board.id);
    await waitUntil(
      () => watchers.every((w) => w.last >= log.at(-1)!.seq),
      'watchers to catch up',
      30_000,
    );
    for (const w of watchers) w.stop();

    const simRequests = simulations.reduce((n, s) => n + s.requests, 0);
    const simFailed = simulations.reduce(
      (n, s) =>
        n + (s.status_classes['5xx'] ?? 0) + Object.values(s.errors).reduce((a, b) => a + b, 0),
      0,
    );
    const simTimeouts = simulations.reduce(
      (n, s) =>
        n + s.actions.reduce((m, a) => m + ((a.statuses as Record<string, number>)['504'] ?? 0), 0),
      0,
    );
    // 504: an instance took longer than the pool's 2 s first-byte limit (a starved
    // machine); anything else (502, 503, a reset) is what a bad drain looks like.
    const timeouts = writers.failed.filter((f) => f.startsWith('504 ')).length + simTimeouts;
    const failed = writers.failed.length + simFailed;
    const overloaded = maxLoad > 2 * availableParallelism();
    const lost = watchers.map((w) => log.length - w.applied.length);
    const sum = (f: (w: Watcher) => number) => watchers.reduce((n, w) => n + f(w), 0);
    console.log(
      [
        `rolling restart ×2 of 3 API instances (${instancesBefore.join(',')} → ${instancesAfter.join(',')})`,
        `requests: ${writers.requests + simRequests} (writers ${writers.requests}, simulator ${simRequests}), failed: ${failed} ` +
          `(of which 504 first-byte timeouts: ${timeouts}); load average up to ${maxLoad.toFixed(1)} on ${availableParallelism()} cores`,
        `board log: ${log.length} events; watchers: ${watchers.length}, events lost: ${lost.reduce((a, b) => a + b, 0)}, ` +
          `duplicates dropped: ${sum((w) => w.duplicates)}, arrived ahead of their turn: ${sum((w) => w.outOfOrder)}, ` +
          `gaps filled over REST: ${sum((w) => w.catchUps)}, reconnects: ${sum((w) => w.reconnects)}, ` +
          `close codes: ${[...new Set(watchers.flatMap((w) => w.closeCodes))].join(',')}`,
        ...writers.failed.map((f) => `writer failed: ${f}`),
        ...simulations.flatMap((r) => [
          ...Object.entries(r.errors).map(([e, n]) => `simulator: ${n} × ${e}`),
          ...r.actions
            .filter((a) => Object.keys(a.statuses).some((st) => st.startsWith('5')))
            .map((a) => `simulator: ${a.action} ${JSON.stringify(a.statuses)}`),
        ]),
      ].join('\n'),
    );

    expect(failed - timeouts).toBe(0);
    if (overloaded && timeouts > 0) {
      console.warn(
        `WARNING: ${timeouts} request(s) passed the 2 s first-byte limit on a machine with load ${maxLoad.toFixed(1)}; ` +
          'not counted against the drain (run again on a quieter machine for the strict check)',
      );
    } else {
      expect(writers.failed).toEqual([]);
      expect(simFailed).toBe(0);
    }
    expect(instancesBefore).toEqual(['api-1', 'api-2', 'api-3']);
    expect(instancesAfter).toEqual(['api-7', 'api-8', 'api-9']);
    for (const w of watchers) {
      expect(w.snapshots).toBe(0);
      expect(w.applied).toEqual(log.map((e) => ({ seq: e.seq, id: e.id })));
      // Each restart closed its socket with 1001 (going away) at least once.
      expect(w.closeCodes.filter((c) => c === 1001).length).toBeGreaterThanOrEqual(2);
    }

    process.kill(up.pid!, 'SIGTERM');
    await waitUntil(() => up!.exitCode !== null, 'switchboard up to stop', 60_000);
    expect(stackTraces(output)).toEqual([]);
  }, 900_000);
});

async function backendIds(adminPort: number, dir: string): Promise<string[]> {
  const { readFileSync } = await import('node:fs');
  const token = readFileSync(path.join(dir, 'data', 'admin-token'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${adminPort}/admin/backends?pool=api`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { backends } = (await res.json()) as { backends: { id: string; state: string }[] };
  return backends.map((b) => b.id).sort();
}

async function boardLog(
  url: string,
  boardId: number,
  after = 0,
): Promise<{ seq: number; id: string }[]> {
  const out: { seq: number; id: string }[] = [];
  for (;;) {
    const res = await fetch(
      `${url}/api/boards/${boardId}/events?after=${out.at(-1)?.seq ?? after}&limit=500`,
    );
    const page = (await res.json()) as { events: { seq: number; id: string }[]; has_more: boolean };
    out.push(...page.events.map((e) => ({ seq: e.seq, id: e.id })));
    if (!page.has_more) return out;
  }
}
