import type { Board, Column, Task } from '@switchboard/core';
import type { BoardDraft } from '../draft';
import type { BoardTransport } from '../transport';

/** What an item reference in an op names, and whether it is only a neighbour. */
export interface RefRole {
  of: 'task' | 'column';
  /**
   * A neighbour (after/before) only places the item: when the item it names
   * was never created, the reference is dropped, not the op.
   */
  neighbour?: true;
}

export const taskRef: RefRole = { of: 'task' };
export const columnRef: RefRole = { of: 'column' };
export const taskNeighbour: RefRole = { of: 'task', neighbour: true };
export const columnNeighbour: RefRole = { of: 'column', neighbour: true };

/** The item an op writes. */
export interface OpTarget {
  of: 'task' | 'column' | 'board';
  /** Temporary (negative) for an item not created yet; 0 for the board itself. */
  id: number;
}

export interface Confirmed {
  board: Board;
  tasks: Readonly<Record<number, Task>>;
  columns: Readonly<Record<number, Column>>;
}

/** Items the confirmed state saw deleted (so an acknowledged delete can settle). */
export interface Tombstones {
  tasks: ReadonlySet<number>;
  columns: ReadonlySet<number>;
}

/** What a stale write's conflict dialog shows, and the op that keeps the user's change. */
export interface ConflictInfo<B> {
  /** What the user tried to save. */
  mine: Readonly<Record<string, unknown>>;
  /** The server's current item (`details.current` of the 409). */
  theirs: Task | Column | Board;
  /** The same write on top of the newest version ("Keep my change"). */
  keepMine: B;
}

export type OpResult = Task | Column | Board | undefined;

/**
 * Everything one kind of op does, in one place: how it shows before the
 * server answers, how it is sent, when the confirmed state shows it, how it
 * is renamed or dropped when a create it depends on succeeds or fails, and
 * how a refusal reads. The outbox, the view and the store only ask this.
 */
export interface OpKindSpec<B extends { kind: string }> {
  /** “Couldn’t … ” when the server refuses it. */
  label: string;
  /** The fields that name other items (all ids, possibly temporary). */
  refs: Readonly<Partial<Record<keyof B & string, RefRole>>>;
  target(op: B): OpTarget;
  /** Shows the op on the draft: optimistically, or the server's answer once acknowledged. */
  apply(draft: BoardDraft, op: B): void;
  /** The REST call; `base` is the version to send, already rebased over own writes. */
  send(t: BoardTransport, boardId: number, op: B, base: number | undefined): Promise<OpResult>;
  /** Acknowledged: does the confirmed state (driven by events) show it yet? */
  settled(op: B, confirmed: Confirmed, gone: Tombstones): boolean;
  /** The version the user edited; a stale one makes the write a conflict. */
  baseVersion?(op: B): number | undefined;
  /**
   * Changes the version of an existing item, so later writes that started from
   * the version before it are rebased (the user's own writes are not conflicts).
   */
  bumpsVersion?: true;
  /** Makes an item: not safe to repeat, gets a real id that later ops must use. */
  creates?: { of: 'task' | 'column'; tempId(op: B): number };
  /** Removes an item: a 404 means it is already done; settles on a tombstone. */
  deletes?: true;
  /** Sent with keepalive when the page unloads while the op is held back (undo window). */
  sendOnUnload?(t: BoardTransport, op: B): Promise<void>;
  /** The task a card shows as "saving" while the op is unacknowledged. */
  pendingTask?(op: B): number;
  /** A 409 with the server's current item, as a conflict the user resolves. */
  conflict?(op: B, current: object): ConflictInfo<B>;
}
