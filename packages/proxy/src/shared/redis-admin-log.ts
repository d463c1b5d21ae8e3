import type { Redis } from 'ioredis';
import type { AdminChange, AdminLog, LoggedChange } from './admin-log.js';

/**
 * The admin log shared by several proxies: a Redis stream. Appends go over
 * the command connection; reads that wait (XREAD BLOCK) over their own, so a
 * waiting reader never holds up an append.
 */
export class RedisAdminLog implements AdminLog {
  readonly kind = 'redis' as const;
  readonly #key: string;

  constructor(
    readonly commands: Redis,
    readonly reader: Redis,
    prefix: string,
  ) {
    this.#key = `${prefix}admin-log`;
  }

  async append(change: AdminChange): Promise<string> {
    const id = await this.commands.xadd(this.#key, '*', 'change', JSON.stringify(change));
    if (!id) throw new Error('XADD returned no id');
    return id;
  }

  async read(after: string | null, blockMs: number): Promise<LoggedChange[]> {
    const from = after ?? '0-0';
    const reply =
      blockMs > 0
        ? await this.reader.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', this.#key, from)
        : await this.reader.xread('COUNT', 500, 'STREAMS', this.#key, from);
    const entries = reply?.[0]?.[1] ?? [];
    const out: LoggedChange[] = [];
    for (const [id, fields] of entries) {
      const i = fields.indexOf('change');
      const raw = i >= 0 ? fields[i + 1] : undefined;
      if (raw === undefined) continue;
      try {
        out.push({ id, change: JSON.parse(raw) as AdminChange });
      } catch {
        // Not ours (someone wrote to the key by hand): skipped, the position still advances.
        out.push({ id, change: { origin: '?', method: 'NONE', url: '/', body: '', at: 0 } });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.reader.disconnect();
  }
}
