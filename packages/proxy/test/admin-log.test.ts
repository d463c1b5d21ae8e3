import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminChange, AdminLog } from '../src/shared/admin-log.js';
import { isAdminChange } from '../src/shared/admin-log.js';
import { FileAdminLog } from '../src/shared/file-admin-log.js';
import { RedisAdminLog } from '../src/shared/redis-admin-log.js';
import { redisForTests } from './helpers/redis.js';

const change = (n: number, origin = 'a'): AdminChange => ({
  origin,
  method: 'PATCH',
  url: `/admin/backends/b${n}`,
  body: JSON.stringify({ weight: n }),
  at: 1_700_000_000_000 + n,
});

/** One conformance suite for every store of the admin log. */
function conformance(
  name: string,
  open: () => Promise<{ log: AdminLog; other: () => Promise<AdminLog> }>,
  skip: () => boolean,
) {
  describe(`admin log: ${name}`, () => {
    it('reads nothing from an empty log', async (ctx) => {
      if (skip()) ctx.skip();
      const { log } = await open();
      expect(await log.read(null, 0)).toEqual([]);
      await log.close();
    });

    it('reads back every change in append order, after any position', async (ctx) => {
      if (skip()) ctx.skip();
      const { log } = await open();
      const ids: string[] = [];
      for (let n = 1; n <= 5; n++) ids.push(await log.append(change(n)));
      expect(new Set(ids).size).toBe(5);
      const all = await log.read(null, 0);
      expect(all.map((e) => e.id)).toEqual(ids);
      expect(all.map((e) => e.change)).toEqual([1, 2, 3, 4, 5].map((n) => change(n)));
      const later = await log.read(ids[2]!, 0);
      expect(later.map((e) => e.change.url)).toEqual(['/admin/backends/b4', '/admin/backends/b5']);
      expect(await log.read(ids[4]!, 0)).toEqual([]);
      await log.close();
    });

    it("a second handle on the same store sees the first one's changes, in one order", async (ctx) => {
      if (skip()) ctx.skip();
      const { log, other } = await open();
      const second = await other();
      await log.append(change(1, 'a'));
      await second.append(change(2, 'b'));
      await log.append(change(3, 'a'));
      const a = (await log.read(null, 0)).map((e) => e.change.origin + e.change.url);
      const b = (await second.read(null, 0)).map((e) => e.change.origin + e.change.url);
      expect(a).toEqual(['a/admin/backends/b1', 'b/admin/backends/b2', 'a/admin/backends/b3']);
      expect(b).toEqual(a);
      await log.close();
      await second.close();
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sb-admin-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileN = 0;
conformance(
  'file',
  async () => {
    const file = path.join(dir, `log-${++fileN}`, 'proxy-admin-log.jsonl');
    return { log: new FileAdminLog(file), other: async () => new FileAdminLog(file) };
  },
  () => false,
);

const redis = redisForTests('admin-log');
let redisN = 0;
conformance(
  'redis',
  async () => {
    const prefix = `${redis.prefix}${++redisN}:`;
    const open = () =>
      new RedisAdminLog(new Redis(redis.url!), new Redis(redis.url!), prefix) as AdminLog;
    const log = open();
    return {
      log: wrapClose(log),
      other: async () => wrapClose(open()),
    };
  },
  () => !redis.reachable(),
);

/** Test handles own both connections: close them all. */
function wrapClose(log: AdminLog): AdminLog {
  const r = log as RedisAdminLog;
  return Object.assign(log, {
    close: async () => {
      r.reader.disconnect();
      r.commands.disconnect();
    },
  });
}

describe('admin log: store specifics', () => {
  it('file: a line cut short by a crash is not a change', async () => {
    const file = path.join(dir, 'cut', 'log.jsonl');
    const log = new FileAdminLog(file);
    await log.append(change(1));
    await appendFile(file, '{"origin":"a","method":"PA');
    const reopened: AdminLog = new FileAdminLog(file);
    const entries = await reopened.read(null, 0);
    expect(entries.map((e) => e.change)).toEqual([change(1)]);
  });

  it('redis: a waiting read wakes for a change another proxy appends', async (ctx) => {
    if (!redis.reachable()) ctx.skip();
    const prefix = `${redis.prefix}wait:`;
    const a = new RedisAdminLog(new Redis(redis.url!), new Redis(redis.url!), prefix);
    const b = new RedisAdminLog(new Redis(redis.url!), new Redis(redis.url!), prefix);
    try {
      const started = Date.now();
      const waiting = a.read(null, 5000);
      setTimeout(() => void b.append(change(7, 'b')), 200);
      const got = await waiting;
      expect(got.map((e) => e.change)).toEqual([change(7, 'b')]);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      for (const l of [a, b]) {
        l.reader.disconnect();
        l.commands.disconnect();
      }
    }
  });

  it('redis: an append while Redis is unreachable rejects', async () => {
    const down = (retries: number | null) =>
      new Redis('redis://127.0.0.1:1', {
        enableOfflineQueue: false,
        maxRetriesPerRequest: retries,
        lazyConnect: false,
        retryStrategy: () => null,
      });
    const log = new RedisAdminLog(down(1), down(null), 'x:');
    log.commands.on('error', () => {});
    log.reader.on('error', () => {});
    await expect(log.append(change(1))).rejects.toThrow();
    log.commands.disconnect();
    log.reader.disconnect();
  });

  it('knows which admin requests change state', () => {
    expect(isAdminChange('POST', '/admin/backends')).toBe(true);
    expect(isAdminChange('PATCH', '/admin/backends/a')).toBe(true);
    expect(isAdminChange('DELETE', '/admin/backends/a/')).toBe(true);
    expect(isAdminChange('POST', '/admin/backends/a/drain')).toBe(true);
    expect(isAdminChange('POST', '/admin/backends/a/undrain')).toBe(true);
    expect(isAdminChange('PUT', '/admin/strategy?pool=api')).toBe(true);
    expect(isAdminChange('GET', '/admin/backends')).toBe(false);
    expect(isAdminChange('POST', '/admin/backends/a/check')).toBe(false);
    expect(isAdminChange('POST', '/admin/reload')).toBe(false);
    expect(isAdminChange('GET', '/admin/analytics')).toBe(false);
  });
});
