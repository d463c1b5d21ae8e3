import {
  type BoardState,
  type Column,
  compareRanks,
  type CustomField,
  type Label,
  type Member,
} from '@switchboard/core';
import { BoardDraft } from './draft';
import { type Op, type OpBody, specOf } from './ops/op-table';
import type { BoardView } from './store-types';
import type { TaskIndex } from './task-index';

const NO_IDS: ReadonlySet<number> = new Set();

/**
 * Builds what the user sees: the confirmed state with the pending ops (and a
 * drag preview) applied. Sorted column and member lists are cached by the
 * identity of their source records, so an event about a task reuses them.
 */
export class ViewBuilder {
  private columnsCache: { source: BoardState['columns']; list: Column[] } | null = null;
  private membersCache: { source: BoardState['members']; list: Member[] } | null = null;
  private labelsCache: { source: BoardState['labels']; list: Label[] } | null = null;
  private fieldsCache: { source: BoardState['customFields']; list: CustomField[] } | null = null;

  build(
    confirmed: BoardState,
    index: TaskIndex,
    pendingOps: readonly Op[],
    preview: OpBody | null,
  ): BoardView {
    const c = confirmed;
    const ops: readonly (Op | OpBody)[] = preview ? [...pendingOps, preview] : pendingOps;
    let board = c.board;
    let tasks = c.tasks;
    let columns = c.columns;
    let tasksByColumn = index;
    let pendingTaskIds: ReadonlySet<number> = NO_IDS;
    if (ops.length > 0) {
      const pending = new Set<number>();
      const draft = new BoardDraft({
        board,
        tasks,
        columns,
        members: c.members,
        labels: c.labels,
        index,
      });
      for (const op of ops) {
        const spec = specOf(op);
        spec.apply(draft, op);
        if ('state' in op && op.state !== 'acked' && spec.pendingTask) {
          pending.add(spec.pendingTask(op));
        }
      }
      ({ board, tasks, columns, index: tasksByColumn } = draft);
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
    if (this.labelsCache?.source !== c.labels) {
      this.labelsCache = {
        source: c.labels,
        list: Object.values(c.labels).sort((a, b) => a.name.localeCompare(b.name)),
      };
    }
    if (this.fieldsCache?.source !== c.customFields) {
      this.fieldsCache = {
        source: c.customFields,
        list: Object.values(c.customFields).sort((a, b) => a.id - b.id),
      };
    }
    return {
      board,
      columns: columnList,
      tasksByColumn,
      tasks,
      members: this.membersCache.list,
      membersById: c.members,
      labels: this.labelsCache.list,
      labelsById: c.labels,
      customFields: this.fieldsCache.list,
      customFieldsById: c.customFields,
      seq: c.seq,
      deleted: c.deleted,
      pendingTaskIds,
    };
  }
}
