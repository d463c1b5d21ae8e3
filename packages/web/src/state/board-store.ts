import {
  applyBoardEvent,
  type Board,
  type BoardDetail,
  type BoardEvent,
  type BoardState,
  boardStateFromDetail,
  type Column,
  compareRanks,
  judgeSequence,
  type Member,
  type PresenceViewer,
  type Task,
} from '@switchboard/core';
import { ApiError } from '../api/http';
import { BoardDraft } from './draft';
import {
  applyOp,
  type BoardPatch,
  type ColumnPatch,
  dependsOnTemp,
  entityOf,
  isSettled,
  type NewTaskFields,
  type Op,
  type OpBody,
  renameTempId,
  type TaskPatch,
} from './ops';
import { buildTaskIndex, replaceInIndex, type TaskIndex, withoutColumn } from './task-index';
import type { BoardTransport } from './transport';

/** What the board screen renders: confirmed state + pending ops. */
export interface BoardView {
  board: Board;
  /** In position order. */
  columns: readonly Column[];
  /** Column id → its tasks in position order. Unchanged columns keep their array. */
  tasksByColumn: ReadonlyMap<number, readonly Task[]>;
  tasks: Readonly<Record<number, Task>>;
  members: readonly Member[];
  membersById: Readonly<Record<number, Member>>;
  seq: number;
  deleted: boolean;
  /** Tasks with a change the server has not confirmed yet. */
  pendingTaskIds: ReadonlySet<number>;
}

export interface Conflict {
  id: number;
  kind: 'task' | 'column' | 'board';
  entityId: number;
  /** What the user tried to save. */
  mine: TaskPatch | ColumnPatch | BoardPatch;
  /** The server's current version (details.current). */
  theirs: Task | Column | Board;
}

export interface BoardMeta {
  presence: readonly PresenceViewer[];
  conflicts: readonly Conflict[];
  /** Fetching missed events over REST. */
  catchingUp: boolean;
  /** Ops not yet acknowledged by the server. */
  unsaved: number;
  /** Set when the viewer lost access (removed from the board, board gone). */
  accessLost: string | null;
}

export interface SyncStats {
  applied: number;
  duplicates: number;
  gaps: number;
  snapshots: number;
}

export interface StoreNotice {
  kind: 'error' | 'info';
  message: string;
  error?: unknown;
  /** Offer to try the failed action again. */
  retry?: () => void;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface BoardStoreOptions {
  transport: BoardTransport;
  viewerId: number;
  /** Errors and info for the user (toasts). */
  onNotice?: (notice: StoreNotice) => void;
  /** An op was acknowledged (the sync layer catches up over REST when the socket is down). */
  onAcked?: () => void;
  /** How listeners are told about changes; default synchronous. The app coalesces per frame. */
  scheduleNotify?: (notify: () => void) => void;
  scheduler?: Scheduler;
  /** How long a deleted task stays restorable before the DELETE is sent. */
  undoWindowMs?: number;
}

type Listener = () => void;

const RETRYABLE = new Set([0, 502, 503, 504]);
const NO_IDS: ReadonlySet<number> = new Set();
const MAX_ATTEMPTS = 4;

/**
 * One board on the client. The confirmed state changes only by server data:
 * the initial REST load, events (in seq order, judged by core's
 * judgeSequence, applied by core's applyBoardEvent) and snapshots. User
 * actions become pending ops, sent one at a time in order; the view is
 * confirmed + ops. A failed op disappears (rollback); a stale write becomes a
 * Conflict the user resolves.
 */
export class BoardStore {
  readonly boardId: number;
  private confirmed: BoardState;
  private index: TaskIndex;
  private ops: Op[] = [];
  private preview: OpBody | null = null;
  private readonly goneTasks = new Set<number>();
  private readonly goneColumns = new Set<number>();
  /** Own acknowledged writes per entity: version seen before → version after. */
  private readonly ownBumps = new Map<string, Map<number, number>>();
  private buffered = new Map<number, BoardEvent>();
  private catchUpRun: Promise<void> | null = null;
  private subscribedCheck: unknown = null;
  /** Counters for diagnostics and tests (not part of any snapshot). */
  readonly stats: SyncStats = { applied: 0, duplicates: 0, gaps: 0, snapshots: 0 };
  private catchUpRetry: unknown = null;
  private catchUpFailures = 0;
  private nextOpId = 1;
  private nextTempId = -1;
  private nextConflictId = 1;
  private sending = false;
  private disposed = false;
  private readonly timers = new Map<number, unknown>();

  private view: BoardView | null = null;
  private meta: BoardMeta;
  private readonly listeners = new Set<Listener>();
  private notifyPending = false;
  private readonly options: BoardStoreOptions;
  private readonly scheduler: Scheduler;

  constructor(detail: BoardDetail, options: BoardStoreOptions) {
    this.options = options;
    this.scheduler = options.scheduler ?? realScheduler;
    this.boardId = detail.id;
    this.confirmed = boardStateFromDetail(detail);
    this.index = buildTaskIndex(detail.tasks);
    this.meta = {
      presence: [],
      conflicts: [],
      catchingUp: false,
      unsaved: 0,
      accessLost: null,
    };
  }

  // ---------------------------------------------------------------- reading

  /** The last seq applied to the confirmed state (what to resume from). */
  get seq(): number {
    return this.confirmed.seq;
  }

  get confirmedState(): BoardState {
    return this.confirmed;
  }

  get pendingOps(): readonly Op[] {
    return this.ops;
  }

  getView = (): BoardView => {
    this.view ??= this.computeView();
    return this.view;
  };

  getMeta = (): BoardMeta => this.meta;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  // ------------------------------------------------------- server → client

  /** One event from the socket or a REST page. */
  receiveEvent(event: BoardEvent): void {
    if (event.board_id !== this.boardId || this.disposed) return;
    if (this.catchUpRun) {
      if (event.seq > this.confirmed.seq) this.buffered.set(event.seq, event);
      return;
    }
    switch (judgeSequence(this.confirmed.seq, event.seq)) {
      case 'duplicate':
        this.bumpStat('duplicates');
        return;
      case 'apply':
        this.applyConfirmed(event);
        this.drainBuffer();
        this.settle();
        return;
      case 'gap':
        this.bumpStat('gaps');
        this.buffered.set(event.seq, event);
        this.catchUpInBackground();
        return;
    }
  }

  /**
   * A full board (REST reload or a snapshot message): replaces the confirmed
   * state. `requestedAt` (local clock) is when it was asked for: creates and
   * deletes acknowledged before then are part of it.
   */
  receiveSnapshot(detail: BoardDetail, seq = detail.seq, requestedAt = this.scheduler.now()): void {
    if (detail.id !== this.boardId || this.disposed) return;
    if (seq < this.confirmed.seq) return;
    this.confirmed = { ...boardStateFromDetail(detail), seq };
    this.confirmed.board = { ...this.confirmed.board, seq };
    this.index = buildTaskIndex(detail.tasks);
    for (const [s] of this.buffered) if (s <= seq) this.buffered.delete(s);
    this.bumpStat('snapshots');
    this.ops = this.ops.filter((op) => {
      if (op.state !== 'acked') return true;
      const creates = op.kind === 'task.create' || op.kind === 'column.create';
      const deletes = op.kind === 'task.delete' || op.kind === 'column.delete';
      if ((creates || deletes) && (op.ackedAt ?? Infinity) <= requestedAt) return false;
      return true;
    });
    this.drainBuffer();
    this.settle();
  }

  /** The server's answer to subscribe: the board is at `seq`. Catch up if we stay behind. */
  receiveSubscribed(seq: number): void {
    if (seq <= this.confirmed.seq) return;
    if (this.subscribedCheck !== null) this.scheduler.clearTimeout(this.subscribedCheck);
    // The replay normally follows right away; only a persistent gap needs REST.
    this.subscribedCheck = this.scheduler.setTimeout(() => {
      this.subscribedCheck = null;
      if (!this.disposed && this.confirmed.seq < seq) this.catchUpInBackground();
    }, 400);
  }

  receivePresence(viewers: readonly PresenceViewer[]): void {
    this.setMeta({ presence: viewers });
  }

  /** The socket refused the subscription (e.g. access removed). */
  receiveAccessError(message: string): void {
    this.setMeta({ accessLost: message });
  }

  /** Fetches events after the last applied seq over REST until up to date. */
  catchUp(): Promise<void> {
    if (this.catchUpRun) return this.catchUpRun;
    const run = (async () => {
      this.setMeta({ catchingUp: true });
      try {
        for (let page = 0; page < 1000 && !this.disposed; page++) {
          const from = this.confirmed.seq;
          const result = await this.options.transport.listEvents(this.boardId, from);
          for (const event of result.events) {
            const verdict = judgeSequence(this.confirmed.seq, event.seq);
            if (verdict === 'apply') this.applyConfirmed(event);
            else if (verdict === 'duplicate') this.bumpStat('duplicates');
            else break;
          }
          for (const [s] of this.buffered) if (s <= this.confirmed.seq) this.buffered.delete(s);
          this.drainBuffer();
          if (!result.has_more || this.confirmed.seq === from) break;
        }
        this.catchUpFailures = 0;
      } catch (error) {
        if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
          this.setMeta({ accessLost: 'You no longer have access to this board.' });
        }
        throw error;
      } finally {
        this.catchUpRun = null;
        this.drainBuffer();
        this.setMeta({ catchingUp: false });
        this.settle();
      }
      // Events that came in while fetching may still leave a gap (rare): go again.
      if (this.buffered.size > 0 && !this.disposed) {
        const first = Math.min(...this.buffered.keys());
        if (first > this.confirmed.seq + 1) await this.catchUp();
      }
    })();
    this.catchUpRun = run;
    return run;
  }

  /** catchUp for gaps the store found itself: failures retry with back-off. */
  private catchUpInBackground(): void {
    this.catchUp().catch(() => {
      if (this.disposed || this.catchUpRetry !== null) return;
      const delay = Math.min(15_000, 1000 * 2 ** this.catchUpFailures++);
      this.catchUpRetry = this.scheduler.setTimeout(() => {
        this.catchUpRetry = null;
        if (this.buffered.size > 0 || this.meta.catchingUp) this.catchUpInBackground();
      }, delay);
    });
  }

  // ------------------------------------------------------- client actions

  createTask(
    columnId: number,
    fields: NewTaskFields,
    placement: { afterId?: number | null; beforeId?: number | null } = {},
  ): number {
    const tempId = this.nextTempId--;
    this.enqueue({
      kind: 'task.create',
      tempId,
      columnId,
      afterId: placement.afterId ?? null,
      beforeId: placement.beforeId ?? null,
      fields,
      createdBy: this.options.viewerId,
    });
    return tempId;
  }

  /** Field edits; `baseVersion` (the version the user edited) makes a stale write a conflict. */
  updateTask(taskId: number, patch: TaskPatch, baseVersion?: number): void {
    this.enqueue({ kind: 'task.update', taskId, patch, baseVersion });
  }

  moveTask(taskId: number, columnId: number, afterId: number | null, beforeId: number | null) {
    const task = this.getView().tasks[taskId];
    if (!task) return;
    this.enqueue({ kind: 'task.move', taskId, columnId, afterId, beforeId });
  }

  /**
   * Hides the task now and sends the DELETE when the undo window ends (or on
   * flush). Returns undo, which restores it if the DELETE has not gone yet.
   */
  deleteTask(taskId: number): { undo: () => boolean } {
    const snapshot = this.getView().tasks[taskId];
    if (!snapshot) return { undo: () => false };
    const op = this.enqueue({ kind: 'task.delete', taskId, snapshot }, 'waiting');
    const timer = this.scheduler.setTimeout(() => {
      this.timers.delete(op.opId);
      this.release(op.opId);
    }, this.options.undoWindowMs ?? 6000);
    this.timers.set(op.opId, timer);
    return {
      undo: () => {
        const current = this.ops.find((o) => o.opId === op.opId);
        if (!current || current.state !== 'waiting') return false;
        this.scheduler.clearTimeout(this.timers.get(op.opId));
        this.timers.delete(op.opId);
        this.ops = this.ops.filter((o) => o.opId !== op.opId);
        this.changed(true);
        return true;
      },
    };
  }

  createColumn(title: string, wipLimit: number | null = null): number {
    const tempId = this.nextTempId--;
    this.enqueue({ kind: 'column.create', tempId, title, wipLimit });
    return tempId;
  }

  updateColumn(columnId: number, patch: ColumnPatch, baseVersion?: number): void {
    this.enqueue({ kind: 'column.update', columnId, patch, baseVersion });
  }

  moveColumn(columnId: number, afterId: number | null, beforeId: number | null): void {
    this.enqueue({ kind: 'column.move', columnId, afterId, beforeId });
  }

  deleteColumn(columnId: number, moveTo?: number): void {
    this.enqueue({ kind: 'column.delete', columnId, moveTo });
  }

  updateBoard(patch: BoardPatch, baseVersion?: number): void {
    this.enqueue({ kind: 'board.update', patch, baseVersion });
  }

  /** Where a dragged task is shown while the pointer is over another spot (not sent). */
  setDragPreview(
    taskId: number,
    columnId: number,
    afterId: number | null,
    beforeId: number | null,
  ): void {
    const p = this.preview;
    if (
      p?.kind === 'task.move' &&
      p.taskId === taskId &&
      p.columnId === columnId &&
      p.afterId === afterId &&
      p.beforeId === beforeId
    ) {
      return;
    }
    this.preview = { kind: 'task.move', taskId, columnId, afterId, beforeId };
    this.changed(true);
  }

  clearDragPreview(): void {
    if (!this.preview) return;
    this.preview = null;
    this.changed(true);
  }

  resolveConflict(conflictId: number, choice: 'mine' | 'theirs'): void {
    const conflict = this.meta.conflicts.find((c) => c.id === conflictId);
    if (!conflict) return;
    this.setMeta({ conflicts: this.meta.conflicts.filter((c) => c.id !== conflictId) });
    if (choice === 'theirs') return;
    const version = conflict.theirs.version;
    if (conflict.kind === 'task') {
      this.updateTask(conflict.entityId, conflict.mine as TaskPatch, version);
    } else if (conflict.kind === 'column') {
      this.updateColumn(conflict.entityId, conflict.mine as ColumnPatch, version);
    } else {
      this.updateBoard(conflict.mine as BoardPatch, version);
    }
  }

  /** Sends held-back deletes now (page hide, leaving the board). */
  flush(options: { keepalive?: boolean } = {}): void {
    for (const op of this.ops) {
      if (op.state !== 'waiting') continue;
      this.scheduler.clearTimeout(this.timers.get(op.opId));
      this.timers.delete(op.opId);
      if (options.keepalive && op.kind === 'task.delete' && op.taskId > 0) {
        // The page is going away: fire and forget.
        op.state = 'sending';
        void this.options.transport.deleteTask(op.taskId, true).catch(() => {});
      } else {
        op.state = 'queued';
      }
    }
    this.pump();
  }

  dispose(): void {
    this.flush({ keepalive: true });
    this.disposed = true;
    for (const timer of this.timers.values()) this.scheduler.clearTimeout(timer);
    if (this.subscribedCheck !== null) this.scheduler.clearTimeout(this.subscribedCheck);
    if (this.catchUpRetry !== null) this.scheduler.clearTimeout(this.catchUpRetry);
    this.listeners.clear();
  }

  // -------------------------------------------------------------- internals

  private enqueue(body: OpBody, state: Op['state'] = 'queued'): Op {
    const op = { ...body, opId: this.nextOpId++, state, attempts: 0 } as Op;
    this.ops = [...this.ops, op];
    this.changed(true);
    this.pump();
    return op;
  }

  private release(opId: number): void {
    const op = this.ops.find((o) => o.opId === opId);
    if (op?.state === 'waiting') {
      op.state = 'queued';
      this.pump();
    }
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
    // Ops are sent in order; one behind a waiting delete must not overtake it.
    const firstUnsent = this.ops.find((o) => o.state === 'queued' || o.state === 'waiting');
    if (firstUnsent && firstUnsent.opId !== op.opId && firstUnsent.kind !== 'task.delete') return;
    if (dependsOnTemp(op)) {
      // Its create failed: nothing to send.
      this.replaceOp(op.opId, null);
      this.changed();
      this.pump();
      return;
    }
    this.sending = true;
    op.state = 'sending';
    op.attempts++;
    const versionBefore = this.currentVersion(op);
    this.send(op).then(
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
    const view = this.getView();
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

  private async send(op: Op): Promise<Task | Column | Board | undefined> {
    const t = this.options.transport;
    switch (op.kind) {
      case 'task.create':
        return t.createTask({
          board_id: this.boardId,
          column_id: op.columnId,
          ...(op.afterId !== null ? { after_id: op.afterId } : {}),
          ...(op.beforeId !== null && op.afterId === null ? { before_id: op.beforeId } : {}),
          ...op.fields,
        });
      case 'task.update':
        return t.updateTask(op.taskId, op.patch, this.rebased(entityOf(op), op.baseVersion));
      case 'task.move':
        return t.updateTask(op.taskId, {
          column_id: op.columnId,
          ...(op.afterId !== null ? { after_id: op.afterId } : {}),
          ...(op.beforeId !== null && op.afterId === null ? { before_id: op.beforeId } : {}),
        });
      case 'task.delete':
        await t.deleteTask(op.taskId, false);
        return undefined;
      case 'column.create':
        return t.createColumn(this.boardId, {
          title: op.title,
          ...(op.wipLimit !== null ? { wip_limit: op.wipLimit } : {}),
        });
      case 'column.update':
        return t.updateColumn(
          this.boardId,
          op.columnId,
          op.patch,
          this.rebased(entityOf(op), op.baseVersion),
        );
      case 'column.move':
        return t.updateColumn(this.boardId, op.columnId, {
          ...(op.afterId !== null ? { after_id: op.afterId } : {}),
          ...(op.beforeId !== null && op.afterId === null ? { before_id: op.beforeId } : {}),
        });
      case 'column.delete':
        await t.deleteColumn(this.boardId, op.columnId, op.moveTo);
        return undefined;
      case 'board.update':
        return t.updateBoard(this.boardId, op.patch, this.rebased('board', op.baseVersion));
    }
  }

  private onAck(op: Op, result: Task | Column | Board | undefined, versionBefore?: number): void {
    if (!this.ops.some((o) => o.opId === op.opId)) return;
    const acked = { ...op, state: 'acked', ackedAt: this.scheduler.now() } as Op;
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
    if (acked.kind === 'task.create' && acked.result) {
      const id = acked.result.id;
      this.ops = this.ops.map((o) =>
        o.opId === op.opId ? o : renameTempId(o, 'task', acked.tempId, id),
      );
      this.renamePreview(acked.tempId, id);
    } else if (acked.kind === 'column.create' && acked.result) {
      const id = acked.result.id;
      this.ops = this.ops.map((o) =>
        o.opId === op.opId ? o : renameTempId(o, 'column', acked.tempId, id),
      );
    }
    this.settle();
    this.options.onAcked?.();
  }

  private renamePreview(tempId: number, id: number): void {
    if (this.preview?.kind === 'task.move') {
      const p = this.preview;
      this.preview = {
        ...p,
        taskId: p.taskId === tempId ? id : p.taskId,
        afterId: p.afterId === tempId ? id : p.afterId,
        beforeId: p.beforeId === tempId ? id : p.beforeId,
      };
    }
  }

  private onFailure(op: Op, error: unknown): void {
    if (!this.ops.some((o) => o.opId === op.opId)) return;
    const status = error instanceof ApiError ? error.status : 0;
    const code = error instanceof ApiError ? error.code : '';
    const idempotent = op.kind !== 'task.create' && op.kind !== 'column.create';
    if (idempotent && RETRYABLE.has(status) && op.attempts < MAX_ATTEMPTS) {
      // The proxy will pick another backend; a PATCH/DELETE with absolute values is safe to repeat.
      op.state = 'waiting';
      const delay = 300 * 2 ** (op.attempts - 1);
      const timer = this.scheduler.setTimeout(() => {
        this.timers.delete(op.opId);
        this.release(op.opId);
      }, delay);
      this.timers.set(op.opId, timer);
      this.changed();
      return;
    }
    // Deleting what is already gone is what the user wanted.
    if ((op.kind === 'task.delete' || op.kind === 'column.delete') && status === 404) {
      this.onAck(op, undefined);
      return;
    }
    this.replaceOp(op.opId, null);
    if (op.kind === 'task.create') this.dropDependents('task', op.tempId);
    if (op.kind === 'column.create') this.dropDependents('column', op.tempId);
    if (code === 'SB_ERR_VERSION_CONFLICT') {
      const conflict = this.conflictFor(op, error as ApiError);
      if (conflict) {
        this.setMeta({ conflicts: [...this.meta.conflicts, conflict] });
        this.changed();
        return;
      }
    }
    this.changed();
    this.options.onNotice?.({
      kind: 'error',
      message: this.failureMessage(op, error),
      error,
      ...(op.kind === 'task.create' || op.kind === 'column.create'
        ? { retry: () => this.enqueue(stripState(op)) }
        : {}),
    });
  }

  /** A create failed: ops on the never-made item go; neighbour references to it are dropped. */
  private dropDependents(kind: 'task' | 'column', tempId: number): void {
    const unref = (id: number | null) => (id === tempId ? null : id);
    const kept: Op[] = [];
    for (const o of this.ops) {
      if (o.state === 'acked') {
        kept.push(o);
        continue;
      }
      if (kind === 'task') {
        if ((o.kind === 'task.update' || o.kind === 'task.delete') && o.taskId === tempId) continue;
        if (o.kind === 'task.move') {
          if (o.taskId === tempId) continue;
          kept.push({ ...o, afterId: unref(o.afterId), beforeId: unref(o.beforeId) });
          continue;
        }
        if (o.kind === 'task.create') {
          kept.push({ ...o, afterId: unref(o.afterId), beforeId: unref(o.beforeId) });
          continue;
        }
      } else {
        if (
          (o.kind === 'column.update' || o.kind === 'column.delete') &&
          (o.columnId === tempId || (o.kind === 'column.delete' && o.moveTo === tempId))
        ) {
          continue;
        }
        if ((o.kind === 'task.create' || o.kind === 'task.move') && o.columnId === tempId) continue;
        if (o.kind === 'column.move') {
          if (o.columnId === tempId) continue;
          kept.push({ ...o, afterId: unref(o.afterId), beforeId: unref(o.beforeId) });
          continue;
        }
      }
      kept.push(o);
    }
    this.ops = kept;
  }

  private conflictFor(op: Op, error: ApiError): Conflict | null {
    const current = (error.details as { current?: unknown } | undefined)?.current;
    if (!current || typeof current !== 'object') return null;
    const id = this.nextConflictId++;
    if (op.kind === 'task.update') {
      return { id, kind: 'task', entityId: op.taskId, mine: op.patch, theirs: current as Task };
    }
    if (op.kind === 'column.update') {
      return {
        id,
        kind: 'column',
        entityId: op.columnId,
        mine: op.patch,
        theirs: current as Column,
      };
    }
    if (op.kind === 'board.update') {
      return {
        id,
        kind: 'board',
        entityId: this.boardId,
        mine: op.patch,
        theirs: current as Board,
      };
    }
    return null;
  }

  private failureMessage(op: Op, error: unknown): string {
    const code = error instanceof ApiError ? error.code : '';
    const what: Record<Op['kind'], string> = {
      'task.create': 'add the task',
      'task.update': 'save the task',
      'task.move': 'move the task',
      'task.delete': 'delete the task',
      'column.create': 'add the column',
      'column.update': 'save the column',
      'column.move': 'move the column',
      'column.delete': 'delete the column',
      'board.update': 'save the board',
    };
    if (code === 'SB_ERR_WIP_LIMIT_REACHED') {
      const columnId = (error as ApiError).details as { column_id?: number; wip_limit?: number };
      const column = this.getView().columns.find((c) => c.id === columnId?.column_id);
      const limit = columnId?.wip_limit ?? column?.wip_limit;
      return `“${column?.title ?? 'That column'}” is at its WIP limit${limit ? ` of ${limit}` : ''}. The task stays where it was.`;
    }
    const detail = error instanceof ApiError ? describe(error) : 'Something went wrong.';
    return `Couldn’t ${what[op.kind]}: ${detail}`;
  }

  /** Applies one in-order event to the confirmed state and the column index. */
  private applyConfirmed(event: BoardEvent): void {
    const before = this.confirmed;
    this.confirmed = applyBoardEvent(before, event, this.options.viewerId);
    switch (event.type) {
      case 'task.created':
      case 'task.updated':
      case 'task.moved': {
        const task = event.payload.task;
        this.index = replaceInIndex(this.index, before.tasks[task.id], task);
        break;
      }
      case 'task.deleted': {
        const id = event.payload.task.id;
        this.index = replaceInIndex(this.index, before.tasks[id], undefined);
        this.goneTasks.add(id);
        break;
      }
      case 'column.deleted': {
        for (const task of event.payload.moved_tasks) {
          this.index = replaceInIndex(this.index, this.indexed(before, task.id), task);
        }
        this.index = withoutColumn(this.index, event.payload.column.id);
        this.goneColumns.add(event.payload.column.id);
        break;
      }
      case 'member.removed':
        if (event.payload.member.user_id === this.options.viewerId) {
          this.meta = { ...this.meta, accessLost: 'You were removed from this board.' };
        }
        break;
      case 'board.deleted':
        this.meta = { ...this.meta, accessLost: 'This board was deleted.' };
        break;
      default:
        break;
    }
    this.stats.applied++;
  }

  private indexed(state: BoardState, taskId: number): Task | undefined {
    return state.tasks[taskId];
  }

  private drainBuffer(): void {
    while (this.buffered.size > 0) {
      const next = this.buffered.get(this.confirmed.seq + 1);
      for (const [s] of this.buffered) if (s <= this.confirmed.seq) this.buffered.delete(s);
      if (!next) break;
      this.buffered.delete(next.seq);
      this.applyConfirmed(next);
    }
  }

  /** Drops acknowledged ops the confirmed state now shows, then re-renders. */
  private settle(): void {
    const gone = { tasks: this.goneTasks, columns: this.goneColumns };
    const kept = this.ops.filter((op) => !isSettled(op, this.confirmed, gone));
    if (kept.length !== this.ops.length) this.ops = kept;
    this.changed();
  }

  /** `local`: the user's own action, shown synchronously (no frame of the old state). */
  private changed(local = false): void {
    this.view = null;
    const unsaved = this.ops.filter((o) => o.state !== 'acked').length;
    if (unsaved !== this.meta.unsaved) this.meta = { ...this.meta, unsaved };
    this.notify(local);
  }

  private setMeta(patch: Partial<BoardMeta>): void {
    this.meta = { ...this.meta, ...patch };
    this.notify();
  }

  private bumpStat(key: keyof SyncStats): void {
    this.stats[key]++;
  }

  private notify(now = false): void {
    const run = () => {
      this.notifyPending = false;
      for (const listener of [...this.listeners]) listener();
    };
    if (now || !this.options.scheduleNotify) {
      run();
      return;
    }
    if (this.notifyPending) return;
    this.notifyPending = true;
    this.options.scheduleNotify(run);
  }

  private columnsCache: { source: BoardState['columns']; list: Column[] } | null = null;
  private membersCache: { source: BoardState['members']; list: Member[] } | null = null;

  private computeView(): BoardView {
    const c = this.confirmed;
    const ops = this.preview ? [...this.ops, this.preview] : this.ops;
    let board = c.board;
    let tasks = c.tasks;
    let columns = c.columns;
    let index = this.index;
    let pendingTaskIds: ReadonlySet<number> = NO_IDS;
    if (ops.length > 0) {
      const pending = new Set<number>();
      const draft = new BoardDraft({ board, tasks, columns, members: c.members, index });
      for (const op of ops) {
        applyOp(draft, op);
        if ('state' in op && op.state !== 'acked') {
          if (op.kind === 'task.create') pending.add(op.tempId);
          else if (op.kind === 'task.update' || op.kind === 'task.move') pending.add(op.taskId);
        }
      }
      ({ board, tasks, columns, index } = draft);
      if (pending.size > 0) pendingTaskIds = pending;
    }
    let columnList: Column[];
    if (this.columnsCache?.source === columns) columnList = this.columnsCache.list;
    else {
      columnList = Object.values(columns).sort(
        (a, b) => compareRanks(a.position, b.position) || a.id - b.id,
      );
      if (columns === c.columns) this.columnsCache = { source: columns, list: columnList };
    }
    if (this.membersCache?.source !== c.members) {
      this.membersCache = {
        source: c.members,
        list: Object.values(c.members).sort((a, b) => a.username.localeCompare(b.username)),
      };
    }
    return {
      board,
      columns: columnList,
      tasksByColumn: index,
      tasks,
      members: this.membersCache.list,
      membersById: c.members,
      seq: c.seq,
      deleted: c.deleted,
      pendingTaskIds,
    };
  }
}

function stripState(op: Op): OpBody {
  const { opId: _o, state: _s, attempts: _a, ackedAt: _t, ...body } = op;
  void _o;
  void _s;
  void _a;
  void _t;
  return body as OpBody;
}

function describe(error: ApiError): string {
  if (error.code === 'SB_ERR_NETWORK') return 'the server could not be reached.';
  if (error.code === 'SB_ERR_FORBIDDEN') return 'your role on this board does not allow it.';
  if (error.code === 'SB_ERR_BOARD_ARCHIVED') return 'the board is archived (read-only).';
  if (error.code === 'SB_ERR_NOT_FOUND') return 'it no longer exists.';
  if (error.status >= 500 || error.code.startsWith('SB_ERR_HTTP_5'))
    return 'the service is briefly unavailable.';
  const message = error.message.trim();
  return message.charAt(0).toLowerCase() + message.slice(1);
}
