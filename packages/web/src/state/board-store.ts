import {
  backoffDelay,
  type BoardDetail,
  type BoardEvent,
  type BoardState,
  boardStateFromDetail,
  judgeSequence,
  type PresenceViewer,
} from '@switchboard/core';
import { ApiError } from '../api/http';
import { ViewBuilder } from './board-view';
import { applyConfirmedEvent } from './confirmed';
import type { BoardPatch } from './ops/board-ops';
import type { ColumnPatch } from './ops/column-ops';
import { type Op, type OpBody, renameTempId } from './ops/op-table';
import type { NewTaskFields, TaskPatch } from './ops/task-ops';
import { Outbox } from './outbox';
import {
  type BoardMeta,
  type BoardStoreOptions,
  type BoardView,
  realScheduler,
  type Scheduler,
  type StoreEvent,
  type SyncStats,
} from './store-types';
import { buildTaskIndex, type TaskIndex } from './task-index';

export type {
  BoardMeta,
  BoardStoreOptions,
  BoardView,
  Conflict,
  Scheduler,
  StoreEvent,
  StoreNotice,
  SyncStats,
} from './store-types';

type Listener = () => void;

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
  private preview: OpBody | null = null;
  private readonly goneTasks = new Set<number>();
  private readonly goneColumns = new Set<number>();
  private buffered = new Map<number, BoardEvent>();
  private catchUpRun: Promise<void> | null = null;
  private subscribedCheck: unknown = null;
  /** Counters for diagnostics and tests (not part of any snapshot). */
  readonly stats: SyncStats = { applied: 0, duplicates: 0, gaps: 0, snapshots: 0 };
  private catchUpRetry: unknown = null;
  private catchUpFailures = 0;
  private nextTempId = -1;
  private disposed = false;

  private view: BoardView | null = null;
  private readonly viewBuilder = new ViewBuilder();
  private readonly outbox: Outbox;
  private meta: BoardMeta;
  private readonly listeners = new Set<Listener>();
  private readonly eventListeners = new Set<(e: StoreEvent) => void>();
  private notifyPending = false;
  private readonly options: BoardStoreOptions;
  private readonly scheduler: Scheduler;

  constructor(detail: BoardDetail, options: BoardStoreOptions) {
    this.options = options;
    this.scheduler = options.scheduler ?? realScheduler;
    this.boardId = detail.id;
    this.confirmed = boardStateFromDetail(detail);
    this.index = buildTaskIndex(detail.tasks);
    this.outbox = new Outbox({
      boardId: this.boardId,
      transport: options.transport,
      scheduler: this.scheduler,
      view: () => this.getView(),
      changed: (local) => this.changed(local),
      acked: () => {
        this.settle();
        this.options.onAcked?.();
      },
      renamed: (of, tempId, id) => {
        if (this.preview) this.preview = renameTempId(this.preview, of, tempId, id);
      },
      conflict: (conflict) => this.setMeta({ conflicts: [...this.meta.conflicts, conflict] }),
      notice: (notice) => this.options.onNotice?.(notice),
    });
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
    return this.outbox.ops;
  }

  getView = (): BoardView => {
    this.view ??= this.viewBuilder.build(this.confirmed, this.index, this.outbox.ops, this.preview);
    return this.view;
  };

  getMeta = (): BoardMeta => this.meta;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Hears every event applied to the confirmed state, exactly once and in seq
   * order (duplicates and replays were dropped before), and `reset` after a
   * snapshot. Panels with data of their own (comments, checklists, activity)
   * apply events from here, never from the socket directly.
   */
  onEvent = (listener: (e: StoreEvent) => void): (() => void) => {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
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
    this.emit({ kind: 'reset' });
    this.outbox.snapshotTaken(requestedAt);
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
      const delay = backoffDelay(this.catchUpFailures++, { baseMs: 1_000, maxMs: 15_000 });
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
    this.outbox.enqueue({
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
    this.outbox.enqueue({ kind: 'task.update', taskId, patch, baseVersion });
  }

  moveTask(taskId: number, columnId: number, afterId: number | null, beforeId: number | null) {
    const task = this.getView().tasks[taskId];
    if (!task) return;
    this.outbox.enqueue({ kind: 'task.move', taskId, columnId, afterId, beforeId });
  }

  /**
   * Hides the task now and sends the DELETE when the undo window ends (or on
   * flush). Returns undo, which restores it if the DELETE has not gone yet.
   */
  deleteTask(taskId: number): { undo: () => boolean } {
    const snapshot = this.getView().tasks[taskId];
    if (!snapshot) return { undo: () => false };
    const { cancel } = this.outbox.enqueueLater(
      { kind: 'task.delete', taskId, snapshot },
      this.options.undoWindowMs ?? 6000,
    );
    return { undo: cancel };
  }

  /** Takes the card off the board now; it is listed under Archived until restored. */
  archiveTask(taskId: number): void {
    const snapshot = this.getView().tasks[taskId];
    if (!snapshot) return;
    this.outbox.enqueue({ kind: 'task.archive', taskId, snapshot });
  }

  /** Ticks the n-th `- [ ]` box of the card's description. */
  tickTaskItem(taskId: number, index: number, checked: boolean, baseVersion?: number): void {
    this.outbox.enqueue({ kind: 'task.tickItem', taskId, index, checked, baseVersion });
  }

  createColumn(title: string, wipLimit: number | null = null): number {
    const tempId = this.nextTempId--;
    this.outbox.enqueue({ kind: 'column.create', tempId, title, wipLimit });
    return tempId;
  }

  updateColumn(columnId: number, patch: ColumnPatch, baseVersion?: number): void {
    this.outbox.enqueue({ kind: 'column.update', columnId, patch, baseVersion });
  }

  moveColumn(columnId: number, afterId: number | null, beforeId: number | null): void {
    this.outbox.enqueue({ kind: 'column.move', columnId, afterId, beforeId });
  }

  deleteColumn(columnId: number, moveTo?: number): void {
    this.outbox.enqueue({ kind: 'column.delete', columnId, moveTo });
  }

  updateBoard(patch: BoardPatch, baseVersion?: number): void {
    this.outbox.enqueue({ kind: 'board.update', patch, baseVersion });
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
    this.outbox.enqueue(conflict.keepMine);
  }

  /** Sends held-back deletes now (page hide, leaving the board). */
  flush(options: { keepalive?: boolean } = {}): void {
    this.outbox.flush(options);
  }

  dispose(): void {
    this.outbox.flush({ keepalive: true });
    this.outbox.dispose();
    this.disposed = true;
    if (this.subscribedCheck !== null) this.scheduler.clearTimeout(this.subscribedCheck);
    if (this.catchUpRetry !== null) this.scheduler.clearTimeout(this.catchUpRetry);
    this.listeners.clear();
    this.eventListeners.clear();
  }

  // -------------------------------------------------------------- internals

  /** Applies one in-order event to the confirmed state and the column index. */
  private applyConfirmed(event: BoardEvent): void {
    const step = applyConfirmedEvent(this.confirmed, this.index, event, this.options.viewerId);
    this.confirmed = step.state;
    this.index = step.index;
    if (step.goneTask !== undefined) this.goneTasks.add(step.goneTask);
    if (step.goneColumn !== undefined) this.goneColumns.add(step.goneColumn);
    if (step.accessLost) this.meta = { ...this.meta, accessLost: step.accessLost };
    this.stats.applied++;
    this.emit({ kind: 'event', event });
  }

  private emit(e: StoreEvent): void {
    for (const listener of [...this.eventListeners]) {
      try {
        listener(e);
      } catch (error) {
        // A panel's bug must not stop the board from applying the next events.
        console.error(error);
      }
    }
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
    this.outbox.settle(this.confirmed, { tasks: this.goneTasks, columns: this.goneColumns });
    this.changed();
  }

  /** `local`: the user's own action, shown synchronously (no frame of the old state). */
  private changed(local = false): void {
    this.view = null;
    const unsaved = this.outbox.unsent;
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
}
