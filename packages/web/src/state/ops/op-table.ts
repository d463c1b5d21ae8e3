import type { BoardDraft } from '../draft';
import type { BoardTransport } from '../transport';
import { type BoardUpdateOp, boardUpdate } from './board-ops';
import {
  type ColumnCreateOp,
  type ColumnDeleteOp,
  type ColumnMoveOp,
  type ColumnUpdateOp,
  columnCreate,
  columnDelete,
  columnMove,
  columnUpdate,
} from './column-ops';
import type { Confirmed, OpKindSpec, OpResult, OpTarget, RefRole, Tombstones } from './op-spec';
import {
  type TaskArchiveOp,
  type TaskCreateOp,
  type TaskDeleteOp,
  type TaskMoveOp,
  type TaskTickItemOp,
  type TaskUpdateOp,
  taskArchive,
  taskCreate,
  taskDelete,
  taskMove,
  taskTickItem,
  taskUpdate,
} from './task-ops';

/**
 * Pending operations: what the user did that the server has not confirmed
 * yet. The view is the confirmed state with these applied in order. An op
 * lives until the confirmed state (driven by the event stream) shows its
 * effect; until then an acknowledged op shows the server's answer.
 *
 * A new kind of op is one body type and one spec (see op-spec.ts), added to
 * the union and the table below; nothing else switches on kinds.
 */
export type OpBody =
  | TaskCreateOp
  | TaskUpdateOp
  | TaskMoveOp
  | TaskDeleteOp
  | TaskArchiveOp
  | TaskTickItemOp
  | ColumnCreateOp
  | ColumnUpdateOp
  | ColumnMoveOp
  | ColumnDeleteOp
  | BoardUpdateOp;

export type OpKind = OpBody['kind'];

const opKinds: { readonly [K in OpKind]: OpKindSpec<Extract<OpBody, { kind: K }>> } = {
  'task.create': taskCreate,
  'task.update': taskUpdate,
  'task.move': taskMove,
  'task.delete': taskDelete,
  'task.archive': taskArchive,
  'task.tickItem': taskTickItem,
  'column.create': columnCreate,
  'column.update': columnUpdate,
  'column.move': columnMove,
  'column.delete': columnDelete,
  'board.update': boardUpdate,
};

export type OpState =
  /** Held back in its undo window (a delete); later ops may overtake it. */
  | 'waiting'
  /** Failed in a way that may not have reached the server; sent again after a pause. */
  | 'backoff'
  | 'queued'
  | 'sending'
  /** The server accepted it; waiting for the event to reach the confirmed state. */
  | 'acked';

export interface OpCommon {
  /** Local, increasing. */
  opId: number;
  state: OpState;
  attempts: number;
  /** Local clock (ms) when the server acknowledged it. */
  ackedAt?: number;
}

export type Op = OpCommon & OpBody;

/** The spec of an op's kind (the one place a kind's behaviour is looked up). */
export function specOf<B extends OpBody>(op: B): OpKindSpec<B> {
  return opKinds[op.kind] as unknown as OpKindSpec<B>;
}

export function targetOf(op: OpBody): OpTarget {
  return specOf(op).target(op);
}

/** The entity an op writes, for per-entity version bookkeeping. */
export function entityOf(op: OpBody): string {
  const { of, id } = targetOf(op);
  return `${of}:${id}`;
}

/** Shows one op's effect on the draft. */
export function applyOp(draft: BoardDraft, op: OpBody): void {
  specOf(op).apply(draft, op);
}

/** The REST call for one op. `base` is the version to send (already rebased). */
export function sendOp(
  t: BoardTransport,
  boardId: number,
  op: OpBody,
  base: number | undefined,
): Promise<OpResult> {
  return specOf(op).send(t, boardId, op, base);
}

/** Does the confirmed state already show this acknowledged op's effect? */
export function isSettled(op: Op, confirmed: Confirmed, gone: Tombstones): boolean {
  return op.state === 'acked' && specOf(op).settled(op, confirmed, gone);
}

function refsOf(op: OpBody): [string, RefRole][] {
  return Object.entries(specOf(op).refs) as [string, RefRole][];
}

function field(op: OpBody, name: string): number | null | undefined {
  return (op as unknown as Record<string, number | null | undefined>)[name];
}

function withField<T extends OpBody>(op: T, name: string, value: number | null): T {
  return { ...op, [name]: value };
}

/** After a create is acknowledged, later ops name the real id instead of the temporary one. */
export function renameTempId<T extends OpBody>(
  op: T,
  of: 'task' | 'column',
  tempId: number,
  id: number,
): T {
  let out = op;
  for (const [name, role] of refsOf(op)) {
    if (role.of === of && field(op, name) === tempId) out = withField(out, name, id);
  }
  return out;
}

/** Does the op name an item that is not created yet (its create failed)? */
export function dependsOnTemp(op: OpBody): boolean {
  return refsOf(op).some(([name]) => {
    const id = field(op, name);
    return id != null && id < 0;
  });
}

/**
 * A create failed: unsent ops on the never-made item go; ops that only name
 * it as a neighbour stay, without that neighbour.
 */
export function dropDependents<T extends Op>(
  ops: readonly T[],
  of: 'task' | 'column',
  tempId: number,
): T[] {
  const kept: T[] = [];
  for (const op of ops) {
    let out: T | null = op;
    if (op.state !== 'acked') {
      for (const [name, role] of refsOf(op)) {
        if (role.of !== of || field(op, name) !== tempId || !out) continue;
        out = role.neighbour ? withField(out, name, null) : null;
      }
    }
    if (out) kept.push(out);
  }
  return kept;
}

/** The op without its outbox bookkeeping (to enqueue it again). */
export function bodyOf(op: Op): OpBody {
  const { opId: _o, state: _s, attempts: _a, ackedAt: _t, ...body } = op;
  void _o;
  void _s;
  void _a;
  void _t;
  return body as OpBody;
}
