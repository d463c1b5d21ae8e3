import { describe, expect, it } from 'vitest';
import {
  dependsOnTemp,
  dropDependents,
  entityOf,
  type Op,
  type OpBody,
  renameTempId,
} from '../src/state/ops/op-table';

let nextId = 1;
const op = (body: OpBody, state: Op['state'] = 'queued'): Op =>
  ({ ...body, opId: nextId++, state, attempts: 0 }) as Op;

describe('the op table', () => {
  it('renames a created column’s temporary id wherever later ops name that column', () => {
    const move: OpBody = {
      kind: 'task.move',
      taskId: 5,
      columnId: -1,
      afterId: -1,
      beforeId: null,
    };
    // afterId names a task: a column's rename leaves it alone.
    expect(renameTempId(move, 'column', -1, 40)).toEqual({ ...move, columnId: 40 });
    const del: OpBody = { kind: 'column.delete', columnId: 7, moveTo: -1 };
    expect(renameTempId(del, 'column', -1, 40)).toEqual({ ...del, moveTo: 40 });
    const same: OpBody = { kind: 'task.update', taskId: 3, patch: { title: 'x' } };
    expect(renameTempId(same, 'task', -1, 40)).toBe(same);
  });

  it('drops unsent ops on a column whose create failed, and only unlinks neighbours', () => {
    const acked = op({ kind: 'column.update', columnId: -2, patch: { title: 'a' } }, 'acked');
    const into = op({
      kind: 'task.create',
      tempId: -3,
      columnId: -2,
      afterId: null,
      beforeId: null,
      fields: { title: 't' },
      createdBy: 1,
    });
    const rename = op({ kind: 'column.update', columnId: -2, patch: { title: 'b' } });
    const emptyInto = op({ kind: 'column.delete', columnId: 9, moveTo: -2 });
    const beside = op({ kind: 'column.move', columnId: 9, afterId: -2, beforeId: 8 });
    const other = op({ kind: 'task.update', taskId: 1, patch: { completed: true } });
    const kept = dropDependents([acked, into, rename, emptyInto, beside, other], 'column', -2);
    expect(kept).toEqual([acked, { ...beside, afterId: null }, other]);
  });

  it('knows an op still names an item that was never created', () => {
    expect(dependsOnTemp({ kind: 'task.delete', taskId: -4, snapshot: {} as never })).toBe(true);
    expect(dependsOnTemp({ kind: 'column.create', tempId: -4, title: 'x', wipLimit: null })).toBe(
      false,
    );
    expect(entityOf({ kind: 'column.move', columnId: 4, afterId: null, beforeId: 2 })).toBe(
      'column:4',
    );
  });
});
