import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { busTargets, cleanBus, randomPrefix } from '../support/bus-servers.js';
import { Cluster } from '../support/cluster.js';
import { registerHttpUser } from '../support/http-client.js';
import { expectMatchesLog } from '../support/log-check.js';
import { TcpForwarder } from '../support/tcp-forwarder.js';
import { TestSocket, waitUntil } from '../support/ws-client.js';

/**
 * The bus of instance A goes away for 10 s while writes continue on B: for
 * nats/redis A reaches its server through a forwarder the test cuts; for pg
 * A's LISTEN connection is terminated (pg_terminate_backend) and kept from
 * reconnecting. Safety-net polling is off, so recovery is the adapter's
 * reconnect plus the log catch-up. Once the bus is back, A's watcher must
 * hold exactly the log. The three adapters run side by side.
 */
const outageMs = Number(process.env.SB_TEST_OUTAGE_MS ?? 10_000);
const targets = await busTargets();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
});

describe.concurrent.each(targets)('bus $kind down during writes', (target) => {
  it.skipIf(!target.available)(
    `loses nothing over a ${outageMs / 1000} s outage`,
    async () => {
      const prefix = randomPrefix(`out${target.kind}`);
      const c = await Cluster.start(`outage${target.kind}`, 0, {
        bus: target.kind,
        ...(target.url ? { busUrl: target.url } : {}),
        prefix,
        realtime: { pollMs: 600_000, discoveryMs: 600_000 },
      });
      const forwarder = await TcpForwarder.start(target.url ?? c.testDb.url);
      cleanups.push(async () => {
        await forwarder.close();
        await c.close();
        await cleanBus(target, prefix);
      });
      const a =
        target.kind === 'pg'
          ? await c.add({}, { listenerUrl: forwarder.via(c.testDb.url) })
          : await c.add(
              target.kind === 'nats'
                ? { natsUrl: forwarder.via(target.url!) }
                : { redisUrl: forwarder.via(target.url!) },
            );
      const b = await c.add();
      await waitUntil(() => a.realtime.health() === 'ok', 'A connected to its bus');

      const alice = await registerHttpUser(b.url, 'alice');
      const onB = alice.http.withBase(b.url);
      const board = await onB.ok('POST', '/api/boards', { title: 'Outage' });
      const watcher = await TestSocket.open(a.wsUrl, { token: alice.token }, alice.id);
      watcher.seed(board);
      await watcher.subscribeAndWait(board.id, board.seq);
      await onB.ok('POST', '/api/tasks', { board_id: board.id, title: 'before' });
      await waitUntil(() => watcher.applied.get(board.id)?.length === 1, 'live before the outage');

      if (target.kind === 'pg') {
        const pid = a.realtime.listener.backendPid();
        forwarder.pause();
        await sql`SELECT pg_terminate_backend(${pid}::int)`.execute(b.deps.db);
      } else {
        forwarder.pause();
      }
      await waitUntil(() => a.realtime.health() !== 'ok', 'A sees its bus down');
      const ready = await alice.http.withBase(a.url).get('/ready');
      expect(ready.status).toBe(503);

      const until = Date.now() + outageMs;
      let written = 0;
      while (Date.now() < until) {
        await onB.ok('POST', '/api/tasks', { board_id: board.id, title: `during ${written++}` });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(written).toBeGreaterThan(20);
      // Nothing got through meanwhile: the outage was real.
      expect(watcher.applied.get(board.id)).toHaveLength(1);
      forwarder.resume();
      await onB.ok('POST', '/api/tasks', { board_id: board.id, title: 'after' });

      const head = (await onB.ok('GET', `/api/boards/${board.id}`)).seq;
      await waitUntil(() => watcher.replicas.get(board.id)?.seq === head, 'A caught up', 15_000);
      await waitUntil(() => a.realtime.health() === 'ok', 'A reconnected');
      await expectMatchesLog(watcher, onB, board.id, board.seq);
      watcher.close();
    },
    outageMs + 40_000,
  );
});

describe.concurrent.each(targets.filter((t) => t.kind !== 'pg'))(
  'bus $kind unreachable when an instance starts',
  (target) => {
    it.skipIf(!target.available)(
      'the instance serves at once and joins the bus when it comes',
      async () => {
        const prefix = randomPrefix(`down${target.kind}`);
        const c = await Cluster.start(`startdown${target.kind}`, 0, {
          bus: target.kind,
          busUrl: target.url!,
          prefix,
          realtime: { pollMs: 600_000, discoveryMs: 600_000 },
        });
        const forwarder = await TcpForwarder.start(target.url!);
        cleanups.push(async () => {
          await forwarder.close();
          await c.close();
          await cleanBus(target, prefix);
        });
        const b = await c.add();
        forwarder.pause();
        const via = forwarder.via(target.url!);
        const started = Date.now();
        const a = await c.add(target.kind === 'nats' ? { natsUrl: via } : { redisUrl: via });
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(a.realtime.health()).not.toBe('ok');

        const alice = await registerHttpUser(b.url, 'alice');
        const onB = alice.http.withBase(b.url);
        const board = await onB.ok('POST', '/api/boards', { title: 'Late bus' });
        const watcher = await TestSocket.open(a.wsUrl, { token: alice.token }, alice.id);
        watcher.seed(board);
        await watcher.subscribeAndWait(board.id, board.seq);
        forwarder.resume();
        await waitUntil(() => a.realtime.health() === 'ok', 'A reached its bus', 15_000);
        for (let i = 0; i < 3; i++) {
          await onB.ok('POST', '/api/tasks', { board_id: board.id, title: `t${i}` });
        }
        await waitUntil(() => watcher.applied.get(board.id)?.length === 3, 'events over the bus');
        await expectMatchesLog(watcher, onB, board.id, board.seq);
        watcher.close();
      },
      40_000,
    );
  },
);
