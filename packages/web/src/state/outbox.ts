import type { Board, Column, Task } from '@switchboard/core';
import { ApiError } from '../api/http';
import {
  baseVersionOf,
  conflictFor,
  dropDependents,
  failureMessage,
  sendOp,
  stripState,
} from './op-requests';
import { dependsOnTemp, entityOf, type Op, type OpBody, renameTempId } from './ops';
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
  /** An op was acknowledged: drop those the confirmed state already shows. */
  settle(): void;
  /** A create was acknowledged: its temporary id is now `id`. */
  renamed(kind: 'task' | 'column', tempId: number, id: number): void;
  conflict(conflict: Conflict): void;
  notice(notice: StoreNotice): void;
  acked(): void;
}

/**
 * The user's writes on their way to the server: sent one at a time in order
 * (so a create's real id and a write's version are known before the next),
 * retried when the request may not have arrived, rolled back when refused.
 * Deletes wait out their undo window first.
 */
export class Outbox {
  ops: Op[] = [];
  /** Own acknowledged writes per entity: version seen before → version after. */
  private readonly ownBumps = new Map<string, Map<number, number>>();
  private readonly timers = new Map<number, unknown>();
  private nextOpId = 1;
  private nextConflictId = 1;
  private sending = false;
  private disposed = false;

  constructor(private readonly host: OutboxHost) {}

  /** Ops the server has not acknowledged yet. */
  get unsent(): number {
    return this.ops.filter((o) => o.state !== 'acked').length;
  }

  enqueue(body: OpBody, state: Op['state'] = 'queued'): Op {
    const op = { ...body, opId: this.nextOpId++, state, attempts: 0 } as Op;
    this.ops = [...this.ops, op];
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
        const current = this.ops.find((o) => o.opId === op.opId);
        if (!current || current.state !== 'waiting') return false;
        this.clearTimer(op.opId);
        this.ops = this.ops.filter((o) => o.opId !== op.opId);
        this.host.changed(true);
        return true;
      },
    };
  }

  /** Sends held-back ops now; with keepalive, deletes go out as the page unloads. */
  flush(options: { keepalive?: boolean } = {}): void {
    for (const op of this.ops) {
      if (op.state !== 'waiting') continue;
      this.clearTimer(op.opId);
      if (options.keepalive && op.kind === 'task.delete' && op.taskId > 0) {
        op.state = 'sending';
        void this.host.transport.deleteTask(op.taskId, true).catch(() => {});
      } else {
        op.state = 'queued';
      }
    }
    this.pump();
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) this.host.scheduler.clearTimeout(timer);
    this.timers.clear();
  }

  private later(opId: number, delayMs: number): void {
    const timer = this.host.scheduler.setTimeout(() => {
      this.timers.delete(opId);
      const op = this.ops.find((o) => o.opId === opId);
      if (op?.state === 'waiting') {
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
    this.ops = next
      ? this.ops.map((o) => (o.opId === opId ? next : o))
      : this.ops.filter((o) => o.opId !== opId);
  }

  /** Sends the oldest queued op, one at a time, so versions and temp ids stay in order. */
  private pump(): void {
    if (this.sending || this.disposed) return;
    const op = this.ops.find((o) => o.state === 'queued');
    if (!op) return;
    // Ops go in order; only a delete waiting out its undo window may be overtaken.
    const firstUnsent = this.ops.find((o) => o.state === 'queued' || o.state === 'waiting');
    if (firstUnsent && firstUnsent.opId !== op.opId && firstUnsent.kind !== 'task.delete') return;
    if (dependsOnTemp(op)) {
      // Its create failed: nothing to send.
      this.replaceOp(op.opId, null);
      this.host.changed(false);
      this.pump();
      return;
    }
    this.sending = true;
    op.state = 'sending';
    op.attempts++;
    const versionBefore = this.currentVersion(op);
    const base = this.rebased(entityOf(op), baseVersionOf(op));
    sendOp(this.host.transport, this.host.boardId, op, base).then(
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

  private currentVersion(op: Op): number | undefined {
    const view = this.host.view();
    switch (op.kind) {
      case 'task.update':
      case 'task.move':
        return view.tasks[op.taskId]?.version;
      case 'column.update':
      case 'column.move':
        return view.columns.find((c) => c.id === op.columnId)?.version;
      case 'board.update':
        return view.board.version;
      default:
        return undefined;
    }
  }

  /** The base version to send: own acknowledged writes since the user's base are not conflicts. */
  private rebased(entity: string, base: number | undefined): number | undefined {
    if (base === undefined) return undefined;
    const bumps = this.ownBumps.get(entity);
    let version = base;
    for (let i = 0; bumps?.has(version) && i < 100; i++) version = bumps.get(version) as number;
    return version;
  }

  private onAck(op: Op, result: Task | Column | Board | undefined, versionBefore?: number): void {
    if (this.disposed || !this.ops.some((o) => o.opId === op.opId)) return;
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
    if ((acked.kind === 'task.create' || acked.kind === 'column.create') && acked.result) {
      const kind = acked.kind === 'task.create' ? 'task' : 'column';
      const { tempId } = acked;
      const id = acked.result.id;
      this.ops = this.ops.map((o) => (o.opId === op.opId ? o : renameTempId(o, kind, tempId, id)));
      this.host.renamed(kind, tempId, id);
    }
    this.host.settle();
    this.host.acked();
  }

  private onFailure(op: Op, error: unknown): void {
    if (this.disposed || !this.ops.some((o) => o.opId === op.opId)) return;
    const status = error instanceof ApiError ? error.status : 0;
    const code = error instanceof ApiError ? error.code : '';
    const idempotent = op.kind !== 'task.create' && op.kind !== 'column.create';
    if (idempotent && RETRYABLE.has(status) && op.attempts < MAX_ATTEMPTS) {
      // The proxy picks another backend; a PATCH/DELETE with absolute values is safe to repeat.
      op.state = 'waiting';
      this.later(op.opId, 300 * 2 ** (op.attempts - 1));
      this.host.changed(false);
      return;
    }
    // Deleting what is already gone is what the user wanted.
    if ((op.kind === 'task.delete' || op.kind === 'column.delete') && status === 404) {
      this.onAck(op, undefined);
      return;
    }
    this.replaceOp(op.opId, null);
    if (op.kind === 'task.create') this.ops = dropDependents(this.ops, 'task', op.tempId);
    if (op.kind === 'column.create') this.ops = dropDependents(this.ops, 'column', op.tempId);
    if (code === 'SB_ERR_VERSION_CONFLICT') {
      const conflict = conflictFor(op, error as ApiError, this.nextConflictId++, this.host.boardId);
      if (conflict) {
        this.host.conflict(conflict);
        this.host.changed(false);
        return;
      }
    }
    this.host.changed(false);
    this.host.notice({
      kind: 'error',
      message: failureMessage(op, error, this.host.view().columns),
      error,
      ...(op.kind === 'task.create' || op.kind === 'column.create'
        ? { retry: () => this.enqueue(stripState(op)) }
        : {}),
    });
  }
}
