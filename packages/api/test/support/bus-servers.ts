import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import type { BusKind } from '../../src/config.js';

/**
 * Which buses this run can test. PostgreSQL is always there (the test
 * database); NATS and Redis come from TEST_NATS_URL / TEST_REDIS_URL. Under
 * CI=true a missing server fails the suite; elsewhere it is skipped, loudly.
 */
export interface BusTarget {
  kind: BusKind;
  url: string | undefined;
  available: boolean;
  reason: string;
}

function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function probe(kind: BusKind, variable: string): Promise<BusTarget> {
  const url = process.env[variable];
  if (!url) return { kind, url, available: false, reason: `${variable} is not set` };
  if (!(await reachable(url)))
    return { kind, url, available: false, reason: `${url} is unreachable` };
  return { kind, url, available: true, reason: 'ok' };
}

export async function busTargets(): Promise<BusTarget[]> {
  const targets: BusTarget[] = [
    { kind: 'pg', url: undefined, available: true, reason: 'ok' },
    await probe('nats', 'TEST_NATS_URL'),
    await probe('redis', 'TEST_REDIS_URL'),
  ];
  for (const t of targets) {
    if (t.available) continue;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but the ${t.kind} bus cannot be tested: ${t.reason}`);
    }
    console.warn(`\n⚠ SKIPPING ${t.kind.toUpperCase()} bus tests: ${t.reason}\n`);
  }
  return targets;
}

export function randomPrefix(label: string): string {
  return `t${label.replace(/[^a-z0-9]/gi, '').slice(0, 8)}${randomBytes(4).toString('hex')}`;
}

/** Removes what a test file left on the bus servers under its prefix. */
export async function cleanBus(target: BusTarget, prefix: string): Promise<void> {
  if (!target.available || !target.url) return;
  if (target.kind === 'nats') {
    const nc = await connect({ servers: target.url });
    try {
      const jsm = await jetstreamManager(nc);
      for (const stream of ['SB_BOARDS', 'SB_TASKS']) {
        await jsm.streams.delete(`${prefix.toUpperCase()}_${stream}`).catch(() => {});
      }
    } finally {
      await nc.close();
    }
  } else if (target.kind === 'redis') {
    const redis = new Redis(target.url);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
