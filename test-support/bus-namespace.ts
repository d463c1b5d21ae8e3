import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { busNames } from '@switchboard/api';
import { Redis } from 'ioredis';

/**
 * Removes what a run left on a NATS or Redis server under its BUS_PREFIX (the
 * JetStream streams, or the keys), so test files and benchmarks can share one
 * server. The names come from the API's own busNames.
 */
export async function cleanBusNamespace(
  bus: 'nats' | 'redis',
  url: string,
  prefix: string,
): Promise<void> {
  if (!prefix) throw new Error('refusing to clean the unprefixed (production) bus namespace');
  const names = busNames(prefix);
  if (bus === 'nats') {
    const nc = await connect({ servers: url });
    try {
      const jsm = await jetstreamManager(nc);
      for (const stream of [names.natsStream, names.natsTasksStream]) {
        await jsm.streams.delete(stream).catch(() => {});
      }
    } finally {
      await nc.close();
    }
    return;
  }
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      // Every key of a prefixed namespace starts with "<prefix>:" (busNames).
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
