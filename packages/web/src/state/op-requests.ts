import type { Board, Column, Task } from '@switchboard/core';
import { ApiError } from '../api/http';
import type { Op, OpBody } from './ops';
import type { Conflict } from './store-types';
import type { BoardTransport } from './transport';

/** after_id wins over before_id, as on the server; neither means "at the end". */
function placement(afterId: number | null, beforeId: number | null) {
  if (afterId !== null) return { after_id: afterId };
  if (beforeId !== null) return { before_id: beforeId };
  return {};
}

/** The REST call for one op. `base` is the version to send (already rebased). */
export async function sendOp(
  t: BoardTransport,
  boardId: number,
  op: Op,
  base: number | undefined,
): Promise<Task | Column | Board | undefined> {
  switch (op.kind) {
    case 'task.create':
      return t.createTask({
        board_id: boardId,
        column_id: op.columnId,
        ...placement(op.afterId, op.beforeId),
        ...op.fields,
      });
    case 'task.update':
      return t.updateTask(op.taskId, op.patch, base);
    case 'task.move':
      return t.updateTask(op.taskId, {
        column_id: op.columnId,
        ...placement(op.afterId, op.beforeId),
      });
    case 'task.delete':
      await t.deleteTask(op.taskId, false);
      return undefined;
    case 'column.create':
      return t.createColumn(boardId, {
        title: op.title,
        ...(op.wipLimit !== null ? { wip_limit: op.wipLimit } : {}),
      });
    case 'column.update':
      return t.updateColumn(boardId, op.columnId, op.patch, base);
    case 'column.move':
      return t.updateColumn(boardId, op.columnId, placement(op.afterId, op.beforeId));
    case 'column.delete':
      await t.deleteColumn(boardId, op.columnId, op.moveTo);
      return undefined;
    case 'board.update':
      return t.updateBoard(boardId, op.patch, base);
  }
}

/** The version a write carries, if any (so own acknowledged writes can rebase it). */
export function baseVersionOf(op: Op): number | undefined {
  return op.kind === 'task.update' || op.kind === 'column.update' || op.kind === 'board.update'
    ? op.baseVersion
    : undefined;
}

/** A create failed: ops on the never-made item go; neighbour references to it are dropped. */
export function dropDependents(ops: readonly Op[], kind: 'task' | 'column', tempId: number): Op[] {
  const unref = (id: number | null) => (id === tempId ? null : id);
  const kept: Op[] = [];
  for (const o of ops) {
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
  return kept;
}

/** A stale write's 409 as a Conflict (details.current is the server's version). */
export function conflictFor(op: Op, error: ApiError, id: number, boardId: number): Conflict | null {
  const current = (error.details as { current?: unknown } | undefined)?.current;
  if (!current || typeof current !== 'object') return null;
  if (op.kind === 'task.update') {
    return { id, kind: 'task', entityId: op.taskId, mine: op.patch, theirs: current as Task };
  }
  if (op.kind === 'column.update') {
    return { id, kind: 'column', entityId: op.columnId, mine: op.patch, theirs: current as Column };
  }
  if (op.kind === 'board.update') {
    return { id, kind: 'board', entityId: boardId, mine: op.patch, theirs: current as Board };
  }
  return null;
}

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

/** What to tell the user when an op was refused. */
export function failureMessage(op: Op, error: unknown, columns: readonly Column[]): string {
  if (error instanceof ApiError && error.code === 'SB_ERR_WIP_LIMIT_REACHED') {
    const details = error.details as { column_id?: number; wip_limit?: number } | undefined;
    const column = columns.find((c) => c.id === details?.column_id);
    const limit = details?.wip_limit ?? column?.wip_limit;
    return `“${column?.title ?? 'That column'}” is at its WIP limit${limit ? ` of ${limit}` : ''}. The task stays where it was.`;
  }
  const detail = error instanceof ApiError ? describe(error) : 'Something went wrong.';
  return `Couldn’t ${what[op.kind]}: ${detail}`;
}

export function stripState(op: Op): OpBody {
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
