import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { busTargets, cleanBus, randomPrefix } from '../support/bus-servers.js';
import { startChild, type ChildInstance } from '../support/child-instance.js';
import { Cluster, fastRealtime, mergeRealtime } from '../support/cluster.js';
import { registerHttpUser } from '../support/http-client.js';
import { expectMatchesLog } from '../support/log-check.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

/**
 * A watcher's instance dies by SIGKILL while writes go on elsewhere. The
 * watcher reconnects to a survivor with after_seq and must end with exactly
 * the board's log: no gap, no duplicate, and the same board as the server.
 * The victim is started first, so for nats/redis it holds the relay lock and
 * its death also hands the relay over. Safety-net polling is off: what the
 * survivor delivers live, the bus carried.
 */
const targets = await busTargets();

async function victimLeadsRelay(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await waitUntil(async () => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'switchboard-relay-victim%'`,
      );
      return (rows[0]?.n ?? 0) > 0;
    }, 'the victim to lead the relay');
  } finally {
    await client.end();
  }
}
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe.concurrent.each(targets)('SIGKILL with bus $kind', (target) => {
  it.skipIf(!target.available)(
    'the watcher resumes on a survivor with exactly the log; the victim’s viewers expire',
    async () => {
      const prefix = randomPrefix(`crash${target.kind}`);
      const realtime = mergeRealtime(fastRealtime, { pollMs: 600_000, discoveryMs: 600_000 });
      const c = await Cluster.start(`crash${target.kind}`, 0, {
        bus: target.kind,
        ...(target.url ? { busUrl: target.url } : {}),
        prefix,
        realtime,
      });
      const spawned: ChildInstance[] = [];
      cleanups.push(async () => {
        for (const child of spawned) await child.kill();
        await c.close();
        await cleanBus(target, prefix);
      });
      const victim = await startChild(
        {
          DATABASE_URL: c.testDb.url,
          BUS: target.kind,
          BUS_PREFIX: prefix,
          INSTANCE_ID: 'victim',
          ...(target.kind === 'nats' ? { NATS_URL: target.url! } : {}),
          ...(target.kind === 'redis' ? { REDIS_URL: target.url! } : {}),
        },
        realtime,
      );
      spawned.push(victim);
      if (target.kind !== 'pg') await victimLeadsRelay(c.testDb.url);
      const survivor = await c.add();
      const writer = await c.add();

      const alice = await registerHttpUser(writer.url, 'alice');
      const bob = await registerHttpUser(writer.url, 'bob');
      const board = await alice.http
        .withBase(writer.url)
        .ok('POST', '/api/boards', { title: 'Crash' });
      await alice.http
        .withBase(writer.url)
        .ok('POST', `/api/boards/${board.id}/members`, { username: bob.username });
      const start = await alice.http.withBase(writer.url).ok('GET', `/api/boards/${board.id}`);

      const watcher = await TestSocket.open(victim.wsUrl, { token: alice.token }, alice.id);
      watcher.seed(start);
      await watcher.subscribeAndWait(board.id, start.seq);
      const bobOnVictim = await TestSocket.open(victim.wsUrl, { token: bob.token }, bob.id);
      await bobOnVictim.subscribeAndWait(board.id, start.seq);
      const observer = await TestSocket.open(survivor.wsUrl, { token: alice.token }, alice.id);
      await observer.subscribeAndWait(board.id, start.seq);
      const viewers = () => {
        const last = observer.messages.filter((m) => m.type === 'presence').at(-1);
        return last?.type === 'presence' ? last.viewers.map((v) => v.user_id).sort() : [];
      };
      await waitUntil(
        () => viewers().join() === [alice.id, bob.id].sort().join(),
        'bob seen via the victim',
      );

      let writing = true;
      let written = 0;
      const writes = (async () => {
        while (writing) {
          await alice.http
            .withBase(writer.url)
            .ok('POST', '/api/tasks', { board_id: board.id, title: `w${written++}` });
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();
      try {
        await waitUntil(() => (watcher.applied.get(board.id)?.length ?? 0) >= 5, 'watcher live');
        await victim.kill('SIGKILL');
        expect(await watcher.closed).toBe(1006);
        const missedFrom = written;
        await waitUntil(() => written >= missedFrom + 10, 'writes while the watcher is away');

        // Subscribes on open, as the web app does: no all-boards traffic comes first.
        const lastSeen = watcher.replicas.get(board.id)!.seq;
        const resumed = await TestSocket.open(
          survivor.wsUrl,
          { token: alice.token, subscribe: { boardId: board.id, afterSeq: lastSeen } },
          alice.id,
          {
            replica: watcher.replicas.get(board.id)!,
            applied: watcher.applied.get(board.id) ?? [],
          },
        );
        await resumed.waitFor((m) => m.type === 'subscribed', 'resumed');
        const resumedAt = written;
        await waitUntil(() => written >= resumedAt + 10, 'live writes after resuming');
        writing = false;
        await writes;
        const head = (await alice.http.withBase(writer.url).ok('GET', `/api/boards/${board.id}`))
          .seq;
        await waitUntil(
          () => resumed.replicas.get(board.id)?.seq === head,
          'resumed watcher at the head',
        );
        await expectMatchesLog(resumed, alice.http.withBase(survivor.url), board.id, start.seq);
        resumed.close();

        // The victim's viewers (bob) expire on the survivor within the presence TTL.
        await waitUntil(() => viewers().join() === String(alice.id), 'bob expired', 5_000);
      } finally {
        writing = false;
        await writes.catch(() => {});
        observer.close();
      }
    },
    60_000,
  );
});
