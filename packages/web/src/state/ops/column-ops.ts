import type { Column } from '@switchboard/core';
import { positionAmong } from '../draft';
import {
  createSettled,
  definedOnly,
  deleteSettled,
  nowIso,
  placement,
  putIfNewer,
  versionOf,
  versionSettled,
} from './op-helpers';
import { columnNeighbour, columnRef, type OpKindSpec } from './op-spec';

export type ColumnPatch = {
  title?: string;
  wip_limit?: number | null;
};

export interface ColumnCreateOp {
  kind: 'column.create';
  tempId: number;
  title: string;
  wipLimit: number | null;
  result?: Column;
}

export interface ColumnUpdateOp {
  kind: 'column.update';
  columnId: number;
  patch: ColumnPatch;
  baseVersion?: number;
  result?: Column;
}

export interface ColumnMoveOp {
  kind: 'column.move';
  columnId: number;
  afterId: number | null;
  beforeId: number | null;
  result?: Column;
}

export interface ColumnDeleteOp {
  kind: 'column.delete';
  columnId: number;
  /** Where its tasks go (else they are deleted with it). */
  moveTo?: number;
}

export const columnCreate: OpKindSpec<ColumnCreateOp> = {
  label: 'add the column',
  refs: {},
  target: (op) => ({ of: 'column', id: op.result?.id ?? op.tempId }),
  apply(draft, op) {
    if (op.result) {
      putIfNewer(draft.columns[op.result.id], op.result, (c) => draft.putColumn(c));
      return;
    }
    draft.putColumn({
      id: op.tempId,
      board_id: draft.board.id,
      title: op.title,
      position: positionAmong(draft.sortedColumnList(), null, null),
      wip_limit: op.wipLimit,
      archived_at: null,
      created_at: nowIso(),
      updated_at: nowIso(),
      version: 0,
    });
  },
  send: (t, boardId, op) =>
    t.createColumn(boardId, {
      title: op.title,
      ...(op.wipLimit !== null ? { wip_limit: op.wipLimit } : {}),
    }),
  settled: (op, confirmed, gone) => createSettled('columns', op.result, confirmed, gone),
  creates: { of: 'column', tempId: (op) => op.tempId },
};

export const columnUpdate: OpKindSpec<ColumnUpdateOp> = {
  label: 'save the column',
  refs: { columnId: columnRef },
  target: (op) => ({ of: 'column', id: op.columnId }),
  apply(draft, op) {
    const column = draft.columns[op.columnId];
    if (!column) return;
    if (op.result) putIfNewer(column, op.result, (c) => draft.putColumn(c));
    else draft.putColumn({ ...column, ...definedOnly(op.patch) });
  },
  send: (t, boardId, op, base) => t.updateColumn(boardId, op.columnId, op.patch, base),
  settled: (op, confirmed) => versionSettled('columns', op.columnId, op.result, confirmed),
  baseVersion: (op) => op.baseVersion,
  bumpsVersion: true,
  conflict: (op, current) => ({
    mine: op.patch,
    theirs: current as Column,
    keepMine: {
      kind: 'column.update',
      columnId: op.columnId,
      patch: op.patch,
      baseVersion: versionOf(current),
    },
  }),
};

export const columnMove: OpKindSpec<ColumnMoveOp> = {
  label: 'move the column',
  refs: { columnId: columnRef, afterId: columnNeighbour, beforeId: columnNeighbour },
  target: (op) => ({ of: 'column', id: op.columnId }),
  apply(draft, op) {
    const column = draft.columns[op.columnId];
    if (!column) return;
    if (op.result) {
      putIfNewer(column, op.result, (c) => draft.putColumn(c));
      return;
    }
    const siblings = draft.sortedColumnList().filter((c) => c.id !== op.columnId);
    draft.putColumn({ ...column, position: positionAmong(siblings, op.afterId, op.beforeId) });
  },
  send: (t, boardId, op) =>
    t.updateColumn(boardId, op.columnId, placement(op.afterId, op.beforeId)),
  settled: (op, confirmed) => versionSettled('columns', op.columnId, op.result, confirmed),
  bumpsVersion: true,
};

export const columnDelete: OpKindSpec<ColumnDeleteOp> = {
  label: 'delete the column',
  refs: { columnId: columnRef, moveTo: columnRef },
  target: (op) => ({ of: 'column', id: op.columnId }),
  apply(draft, op) {
    if (!draft.columns[op.columnId]) return;
    if (op.moveTo !== undefined && draft.columns[op.moveTo]) {
      for (const task of [...draft.group(op.columnId)]) {
        const position = draft.taskPositionBetween(op.moveTo, null, null);
        draft.putTask({ ...task, column_id: op.moveTo, position });
      }
    }
    draft.removeColumn(op.columnId);
  },
  async send(t, boardId, op) {
    await t.deleteColumn(boardId, op.columnId, op.moveTo);
    return undefined;
  },
  settled: (op, confirmed, gone) => deleteSettled('columns', op.columnId, confirmed, gone),
  deletes: true,
};
