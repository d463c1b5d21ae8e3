import { randomBytes, randomUUID } from 'node:crypto';
import { errorReply, type AdminReply } from '../admin/api.js';
import { parseJsonText } from '../admin/body.js';
import { proxyError } from '../errors.js';
import type { Logger } from '../logging.js';
import { isAdminChange, type AdminChange, type AdminLog, type LoggedChange } from './admin-log.js';

/** Runs one admin request on this proxy (all its workers, in cluster mode). */
export type AdminRunner = (method: string, url: string, body: string) => Promise<AdminReply>;

/** How long a change waits for its turn in the log before its caller is told it is late. */
const APPLY_WAIT_MS = 10_000;
/** A reader that waits for new entries wakes this often, so `close` is prompt. */
const BLOCK_MS = 2_000;

type Logged = AdminChange & { ref: string };

/**
 * Admin changes through a log: a change is appended first, then every proxy
 * (this one included) applies the log in its order, so proxies that change
 * things at the same moment still end up alike. The request that made a
 * change gets the answer of its own entry when this proxy reaches it. A
 * store that is down gets a coded 503 and changes nothing; reads never touch
 * the log.
 */
export class SharedAdmin {
  #last: string | null = null;
  #closed = false;
  #loop: Promise<void> | undefined;
  #serial: Promise<void> = Promise.resolve();
  readonly #pending = new Map<string, (reply: AdminReply) => void>();
  /** Entries applied since start; the admin API shows it. */
  applied = 0;

  constructor(
    readonly log: AdminLog,
    readonly node: string,
    readonly run: AdminRunner,
    readonly logger: Logger,
  ) {}

  /** Replays the log from its start; a shared log is then followed for other proxies' changes. */
  async start(): Promise<void> {
    try {
      await this.#pump(0);
      this.logger.info(
        { log: this.log.kind, applied: this.applied, node: this.node },
        'admin log replayed',
      );
    } catch (e) {
      // The proxy serves with its config; the loop below catches up when the store is back.
      this.logger.warn(
        { err: (e as Error).message, log: this.log.kind },
        'admin log unreadable at start; serving the config as is until it is back',
      );
    }
    if (this.log.kind === 'redis') this.#loop = this.#follow();
  }

  async #follow(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#pump(BLOCK_MS);
      } catch (e) {
        if (this.#closed) return;
        this.logger.warn({ err: (e as Error).message }, 'admin log read failed; retrying');
        await new Promise((r) => setTimeout(r, 1000).unref());
      }
    }
  }

  /** Reads what is new and applies it in order; one reader at a time. */
  #pump(blockMs: number): Promise<void> {
    const next = this.#serial.then(async () => {
      const entries = await this.log.read(this.#last, blockMs);
      for (const entry of entries) await this.#apply(entry);
    });
    this.#serial = next.catch(() => {});
    return next;
  }

  async #apply({ id, change }: LoggedChange): Promise<void> {
    this.#last = id;
    if (change.method === 'NONE') return;
    let reply: AdminReply;
    try {
      reply = await this.run(change.method, change.url, change.body);
    } catch (e) {
      this.logger.error({ err: (e as Error).message, id }, 'admin change failed here');
      reply = errorReply(proxyError('SB_ERR_INTERNAL'));
    }
    this.applied += 1;
    const ref = (change as Partial<Logged>).ref;
    const waiter = ref === undefined ? undefined : this.#pending.get(ref);
    if (waiter) {
      this.#pending.delete(ref as string);
      waiter(reply);
    } else if (reply.status >= 400) {
      // Another proxy's change (or an old one) that does not fit here: say so, go on.
      this.logger.info(
        { id, origin: change.origin, method: change.method, url: change.url, status: reply.status },
        'admin change from the log did not apply here',
      );
    }
  }

  /**
   * Replays the log as far as it has been applied here onto one more runner
   * (a cluster worker that was restarted), in the same order.
   */
  replayTo(run: AdminRunner): Promise<void> {
    const next = this.#serial.then(async () => {
      const until = this.#last;
      if (until === null) return;
      let after: string | null = null;
      for (;;) {
        const entries = await this.log.read(after, 0);
        if (entries.length === 0) return;
        for (const { id, change } of entries) {
          if (change.method !== 'NONE') await run(change.method, change.url, change.body);
          after = id;
          if (id === until) return;
        }
      }
    });
    this.#serial = next.catch(() => {});
    return next;
  }

  /** An admin request: a change goes through the log, anything else runs here. */
  async handle(method: string, url: string, body: string): Promise<AdminReply> {
    if (!isAdminChange(method, url) || this.#closed) return this.run(method, url, body);
    let parsed: unknown;
    try {
      parsed = parseJsonText(body);
    } catch {
      // Malformed: the handler says so (400) and nothing is logged.
      return this.run(method, url, body);
    }
    const entry: Logged = {
      origin: this.node,
      method,
      url,
      body: withAssignedId(method, url, parsed, body),
      at: Date.now(),
      ref: randomUUID(),
    };
    const answered = new Promise<AdminReply>((resolve) => this.#pending.set(entry.ref, resolve));
    try {
      await this.log.append(entry);
    } catch (e) {
      this.#pending.delete(entry.ref);
      this.logger.warn({ err: (e as Error).message }, 'admin log append failed');
      return errorReply(
        proxyError(
          'SB_ERR_UNAVAILABLE',
          `The shared admin state (${this.log.kind}) cannot be written; nothing was changed.`,
        ),
      );
    }
    if (this.log.kind === 'file') void this.#pump(0).catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<AdminReply>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            errorReply(
              proxyError(
                'SB_ERR_UNAVAILABLE',
                'The change is in the shared admin log but was not applied here in time; every proxy applies it when it reads the log.',
              ),
            ),
          ),
        APPLY_WAIT_MS,
      );
    });
    const reply = await Promise.race([answered, late]);
    clearTimeout(timer);
    this.#pending.delete(entry.ref);
    return reply;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.log.close();
    await this.#loop?.catch(() => {});
  }
}

/**
 * A backend added without an id gets one before it is logged, so every
 * proxy (and every replay) names it alike: `<pool>-<6 hex>`.
 */
function withAssignedId(method: string, url: string, parsed: unknown, body: string): string {
  const path = new URL(url, 'http://admin.invalid').pathname.replace(/\/+$/, '');
  if (method !== 'POST' || path !== '/admin/backends') return body;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
  const b = parsed as { id?: unknown; pool?: unknown };
  if (b.id !== undefined) return body;
  const pool = typeof b.pool === 'string' ? b.pool : 'default';
  return JSON.stringify({ ...b, id: `${pool}-${randomBytes(3).toString('hex')}` });
}
