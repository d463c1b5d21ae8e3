import type {
  Board,
  BoardEvent,
  Column,
  CustomField,
  Label,
  Member,
  PresenceViewer,
  Task,
} from '@switchboard/core';
import type { OpBody } from './ops/op-table';
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
  /** The board's label set, by name. */
  labels: readonly Label[];
  labelsById: Readonly<Record<number, Label>>;
  /** The board's custom fields, in creation order. */
  customFields: readonly CustomField[];
  customFieldsById: Readonly<Record<number, CustomField>>;
  seq: number;
  deleted: boolean;
  /** Tasks with a change the server has not confirmed yet. */
  pendingTaskIds: ReadonlySet<number>;
}

export interface Conflict {
  id: number;
  /** What was written. */
  kind: 'task' | 'column' | 'board';
  entityId: number;
  /** What the user tried to save. */
  mine: Readonly<Record<string, unknown>>;
  /** The server's current version (details.current). */
  theirs: Task | Column | Board;
  /** The op that saves `mine` on top of `theirs` ("Keep my change"). */
  keepMine: OpBody;
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

export const realScheduler: Scheduler = {
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

/**
 * What panels that hold more than the board (a card's comments, checklists,
 * history; the board activity) hear from the store: every confirmed event
 * once, in seq order, or `reset` when a snapshot replaced the state (events
 * may have been skipped: reload).
 */
export type StoreEvent = { kind: 'event'; event: BoardEvent } | { kind: 'reset' };
