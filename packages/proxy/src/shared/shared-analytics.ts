import type { Redis } from 'ioredis';
import type { Logger } from '../logging.js';

/** A proxy's rollups stay readable this long after it last published (the day ring is 90 days). */
const KEEP_SECONDS = 95 * 86_400;

/**
 * Analytics across proxies: each proxy publishes its own rollups (the dump
 * cluster workers already merge with) under its node id, and a query merges
 * every proxy's. A proxy that is gone still counts for the traffic it served.
 * Each dump is a proxy's whole history, so merging never counts twice.
 */
export class SharedAnalytics {
  readonly #nodesKey: string;
  #timer: NodeJS.Timeout | undefined;
  #publishing: Promise<void> | undefined;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
    readonly node: string,
    readonly dump: () => Promise<unknown>,
    readonly intervalMs: number,
    readonly logger: Logger,
  ) {
    this.#nodesKey = `${prefix}analytics:nodes`;
  }

  #key(node: string): string {
    return `${this.prefix}analytics:node:${node}`;
  }

  start(): void {
    this.#timer = setInterval(() => void this.publish().catch(() => {}), this.intervalMs);
    this.#timer.unref();
  }

  /** Writes this proxy's rollups; one write at a time. */
  publish(): Promise<void> {
    this.#publishing ??= (async () => {
      try {
        const json = JSON.stringify(await this.dump());
        await this.redis
          .multi()
          .set(this.#key(this.node), json, 'EX', KEEP_SECONDS)
          .sadd(this.#nodesKey, this.node)
          .exec();
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'could not publish analytics');
        throw e;
      } finally {
        this.#publishing = undefined;
      }
    })();
    return this.#publishing;
  }

  /** Every other proxy's rollups, with the node ids that answered. */
  async peers(): Promise<{ nodes: string[]; dumps: unknown[] }> {
    const nodes = (await this.redis.smembers(this.#nodesKey)).filter((n) => n !== this.node).sort();
    if (nodes.length === 0) return { nodes: [], dumps: [] };
    const raw = await this.redis.mget(nodes.map((n) => this.#key(n)));
    const out: { nodes: string[]; dumps: unknown[] } = { nodes: [], dumps: [] };
    const expired: string[] = [];
    raw.forEach((text, i) => {
      const node = nodes[i] as string;
      if (text === null) {
        expired.push(node);
        return;
      }
      try {
        out.dumps.push(JSON.parse(text) as unknown);
        out.nodes.push(node);
      } catch {
        // A dump cut short cannot be merged; that proxy's next publish replaces it.
      }
    });
    if (expired.length) await this.redis.srem(this.#nodesKey, ...expired).catch(() => 0);
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.publish().catch(() => {});
  }
}
