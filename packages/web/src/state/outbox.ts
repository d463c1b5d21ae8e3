import { ApiError } from '../api/http';
import { failureMessage } from './op-failure';
import type { Confirmed, OpResult, OpTarget, Tombstones } from './ops/op-spec';
import {
  bodyOf,
  dependsOnTemp,
  dropDependents,
  entityOf,
  isSettled,
  type Op,
  type OpBody,
  renameTempId,
  specOf,
  targetOf,
} from './ops/op-table';
import type { BoardView, Conflict, Scheduler, StoreNotice } from './store-types';
import type { BoardTransport } from './transport';

const RETRYABLE = new Set([0, 502, 503, 504]);
const MAX_ATTEMPTS = 4;

/** What the outbox needs from its board store. */
export interface OutboxHost {
  boardId: number;
  transport: BoardTransport;
  scheduler: Scheduler;
  /** The view right now (versions to rebase on, column names for messages). */
  view(): BoardView;
  /** The ops changed; `local` when the user just did something. */
  changed(local: boolean): void;
  /** An op was acknowledged: the store settles what the confirmed state already shows. */
  acked(): void;
  /** A create was acknowledged: its temporary id is now `id`. */
  renamed(of: 'task' | 'column', tempId: number, id: number): void;
  conflict(conflict: Conflict): void;
  notice(notice: StoreNotice): void;
}

/**
 * The user's writes on their way to the server: sent one at a time in order
 * (so a create's real id and a write's version are known before the next),
 * retried when the request may not have arrived, rolled back when refused.
 * Deletes wait out their undo window first. What each kind of op does comes
 * from its spec (ops/op-table.ts).
 */
export class Outbox {
  private list: readonly Op[] = [];
  /** Own acknowledged writes per entity: version seen before → version after. */
  private readonly ownBumps = new Map<string, Map<number, number>>();
  private readonly timers = new Map<number, unknown>();
  private nextOpId = 1;
  private nextConflictId = 1;
  private sending = false;
  private disposed = false;

  constructor(private readonly host: OutboxHost) {}

  /** In order; a new array whenever something changed. */
  get ops(): readonly Op[] {
    return this.list;
  }

  /** Ops the server has not acknowledged yet. */
  get unsent(): number {
    return this.list.filter((o) => o.state !== 'acked').length;
  }

  enqueue(body: OpBody, state: Op['state'] = 'queued'): Op {
    const op = { ...body, opId: this.nextOpId++, state, attempts: 0 } as Op;
    this.list = [...this.list, op];
    this.host.changed(true);
    this.pump();
    return op;
  }

  /** Queues an op after `delayMs` unless cancelled first; returns the cancel. */
  enqueueLater(body: OpBody, delayMs: number): { cancel: () => boolean } {
    const op = this.enqueue(body, 'waiting');
    this.later(op.opId, delayMs);
    return {
      cancel: () => {
        const current = this.list.find((o) => o.opId === op.opId);
        if (!current || current.state !== 'waiting') return false;
        this.clearTimer(op.opId);
        this.replaceOp(op.opId, null);
        this.host.changed(true);
        return true;
      },
    };
  }

  /** Sends held-back ops now; with keepalive, those that can go out as the page unloads do. */
  flush(options: { keepalive?: boolean } = {}): void {
    for (const op of this.list) {
      if (op.state !== 'waiting' && op.state !== 'backoff') continue;
      this.clearTimer(op.opId);
      const unload = specOf(op).sendOnUnload;
      if (options.keepalive && unload && !dependsOnTemp(op)) {
        op.state = 'sending';
        unload(this.host.transport, op).catch(() => {});
      } else {
        op.state = 'queued';
      }
    }
    this.pump();
  }

  /**
   * Drops acknowledged ops the confirmed state now shows (their event
   * arrived). Returns whether any went.
   */
  settle(confirmed: Confirmed, gone: Tombstones): boolean {
    const kept = this.list.filter((op) => !isSettled(op, confirmed, gone));
    if (kept.length === this.list.length) return false;
    this.list = kept;
    return true;
  }

  /**
   * A full board replaced the confirmed state: creates and deletes
   * acknowledged before it was asked for (`requestedAt`, local clock) are
   * part of it, whatever their events say later.
   */
  snapshotTaken(requestedAt: number): void {
    this.list = this.list.filter((op) => {
      if (op.state !== 'acked') return true;
      const spec = specOf(op);
      return !((spec.creates || spec.deletes) && (op.ackedAt ?? Infinity) <= requestedAt);
    });
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) this.host.scheduler.clearTimeout(timer);
    this.timers.clear();
  }

  private later(opId: number, delayMs: number): void {
    const timer = this.host.scheduler.setTimeout(() => {
      this.timers.delete(opId);
      const op = this.list.find((o) => o.opId === opId);
      if (op?.state === 'waiting' || op?.state === 'backoff') {
        op.state = 'queued';
        this.pump();
      }
    }, delayMs);
    this.timers.set(opId, timer);
  }

  private clearTimer(opId: number): void {
    this.host.scheduler.clearTimeout(this.timers.get(opId));
    this.timers.delete(opId);
  }

  private replaceOp(opId: number, next: Op | null): void {
    this.list = next
      ? this.list.map((o) => (o.opId === opId ? next : o))
      : this.list.filter((o) => o.opId !== opId);
  }

  /** Sends the oldest queued op, one at a time, so versions and temp ids stay in order. */
  private pump(): void {
    if (this.sending || this.disposed) return;
    const op = this.list.find((o) => o.state === 'queued');
    if (!op) return;
    // Ops go in order; only one waiting out its undo window may be overtaken.
    const firstUnsent = this.list.find(
      (o) => o.state === 'queued' || o.state === 'waiting' || o.state === 'backoff',
    );
    if (firstUnsent && firstUnsent.opId !== op.opId && firstUnsent.state !== 'waiting') return;
    if (dependsOnTemp(op)) {
      // Its create failed: nothing to send.
      this.replaceOp(op.opId, null);
      this.host.changed(false);
      this.pump();
      return;
    }
    const spec = specOf(op);
    this.sending = true;
    op.state = 'sending';
    op.attempts++;
    const versionBefore = spec.bumpsVersion ? this.versionIn(targetOf(op)) : undefined;
    const base = this.rebased(entityOf(op), spec.baseVersion?.(op));
    spec.send(this.host.transport, this.host.boardId, op, base).then(
      (result) => {
        this.sending = false;
        this.onAck(op, result, versionBefore);
        this.pump();
      },
      (error: unknown) => {
        this.sending = false;
        this.onFailure(op, error);
        this.pump();
      },
    );
  }

  private versionIn({ of, id }: OpTarget): number | undefined {
    const view = this.host.view();
    if (of === 'task') return view.tasks[id]?.version;
    if (of === 'column') return view.columns.find((c) => c.id === id)?.version;
    return view.board.version;
  }

  /** The base version to send: own acknowledged writes since the user's base are not conflicts. */
  private rebased(entity: string, base: number | undefined): number | undefined {
    if (base === undefined) return undefined;
    const bumps = this.ownBumps.get(entity);
    let version = base;
    for (let i = 0; bumps?.has(version) && i < 100; i++) version = bumps.get(version) as number;
    return version;
  }

  private onAck(op: Op, result: OpResult, versionBefore?: number): void {
    if (this.disposed || !this.list.some((o) => o.opId === op.opId)) return;
    const acked = { ...op, state: 'acked', ackedAt: this.host.scheduler.now() } as Op;
    if (result && 'version' in result) {
      (acked as { result?: unknown }).result = result;
      if (versionBefore !== undefined && result.version !== versionBefore) {
        const entity = entityOf(acked);
        const bumps = this.ownBumps.get(entity) ?? new Map<number, number>();
        bumps.set(versionBefore, result.version);
        this.ownBumps.set(entity, bumps);
      }
    }
    this.replaceOp(op.opId, acked);
    const creates = specOf(acked).creates;
    if (creates && result) {
      const tempId = creates.tempId(acked);
      const id = result.id;
      this.list = this.list.map((o) =>
        o.opId === op.opId ? o : renameTempId(o, creates.of, tempId, id),
      );
      this.host.renamed(creates.of, tempId, id);
    }
    this.host.acked();
  }

  private onFailure(op: Op, error: unknown): void {
    if (this.disposed || !this.list.some((o) => o.opId === op.opId)) return;
    const spec = specOf(op);
    const status = error instanceof ApiError ? error.status : 0;
    const code = error instanceof ApiError ? error.code : '';
    if (!spec.creates && RETRYABLE.has(status) && op.attempts < MAX_ATTEMPTS) {
      // The proxy picks another backend; a PATCH/DELETE with absolute values is safe to repeat.
      op.state = 'backoff';
      this.later(op.opId, 300 * 2 ** (op.attempts - 1));
      this.host.changed(false);
      return;
    }
    // Deleting what is already gone is what the user wanted.
    if (spec.deletes && status === 404) {
      this.onAck(op, undefined);
      return;
    }
    this.replaceOp(op.opId, null);
    if (spec.creates)
      this.list = dropDependents(this.list, spec.creates.of, spec.creates.tempId(op));
    const current = (error as ApiError | undefined)?.details as { current?: unknown } | undefined;
    if (
      code === 'SB_ERR_VERSION_CONFLICT' &&
      spec.conflict &&
      current?.current &&
      typeof current.current === 'object'
    ) {
      const target = targetOf(op);
      this.host.conflict({
        id: this.nextConflictId++,
        kind: target.of,
        entityId: target.of === 'board' ? this.host.boardId : target.id,
        ...spec.conflict(op, current.current),
      });
      this.host.changed(false);
      return;
    }
    this.host.changed(false);
    this.host.notice({
      kind: 'error',
      message: failureMessage(op, error, this.host.view().columns),
      error,
      ...(spec.creates ? { retry: () => this.enqueue(bodyOf(op)) } : {}),
    });
  }
}
