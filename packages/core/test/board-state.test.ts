import { describe, expect, it } from 'vitest';
import {
  applyBoardEvent,
  type BoardEvent,
  type BoardState,
  boardStateFromDetail,
  boardStateToDetail,
} from '../src/index.js';
import { at, column, detail, event, label, task } from './support/builders.js';

const todo = column(100, 'To do', 'a0');
const done = column(200, 'Done', 'a1');
const bug = label(7, 'Bug');
const ui = label(8, 'UI');

function start(): BoardState {
  return boardStateFromDetail(
    detail(
      [todo, done],
      [
        task(1, todo, { label_ids: [7, 8], labels: ['Bug', 'UI'], custom_fields: { '5': '1' } }),
        task(2, todo),
        task(3, done),
      ],
      [bug, ui],
    ),
  );
}

const apply = (state: BoardState, ...events: BoardEvent[]) =>
  events.reduce((s, e) => applyBoardEvent(s, e), state);

describe('board state: cards', () => {
  it('a renamed column renames the status of its cards', () => {
    const s = apply(
      start(),
      event('column.updated', {
        column: { ...todo, title: 'Backlog', version: 2 },
        changed: ['title'],
      }),
    );
    expect(s.tasks[1]!.status).toBe('Backlog');
    expect(s.tasks[3]!.status).toBe('Done');
  });

  it('archived cards and columns leave the board; restored ones come back', () => {
    let s = apply(
      start(),
      event('task.archived', { task: { ...start().tasks[2]!, archived_at: at } }),
    );
    expect(s.tasks[2]).toBeUndefined();
    s = apply(s, event('task.unarchived', { task: start().tasks[2]! }));
    expect(s.tasks[2]).toBeDefined();
    s = apply(s, event('column.archived', { column: { ...todo, archived_at: at } }));
    expect(Object.keys(s.columns)).toEqual(['200']);
    expect(Object.keys(s.tasks)).toEqual(['3']);
    // An event about a card in a hidden column does not bring it back.
    s = apply(s, event('task.updated', { task: start().tasks[1]!, changed: ['title'] }));
    expect(s.tasks[1]).toBeUndefined();
    s = apply(s, event('column.unarchived', { column: todo, tasks: [start().tasks[1]!] }));
    expect(Object.keys(s.tasks).sort()).toEqual(['1', '3']);
  });

  it('trash and purge remove a card; a restore puts it back', () => {
    let s = apply(start(), event('task.deleted', { task: start().tasks[2]! }));
    expect(s.tasks[2]).toBeUndefined();
    s = apply(s, event('task.restored', { task: start().tasks[2]! }));
    expect(s.tasks[2]).toBeDefined();
    s = apply(s, event('task.purged', { task_id: 2, title: 'Task 2', expired: false }));
    expect(s.tasks[2]).toBeUndefined();
  });

  it('comment and checklist events set the counters they carry', () => {
    const comment = {
      id: 1,
      task_id: 1,
      board_id: 1,
      author_id: 10,
      author_username: 'alice',
      body: 'hi',
      mention_ids: [],
      created_at: at,
      updated_at: at,
      edited_at: null,
      version: 1,
    };
    const item = {
      id: 1,
      checklist_id: 1,
      task_id: 1,
      title: 'x',
      done: true,
      position: 'a0',
      done_by: 10,
      done_at: at,
      created_at: at,
      updated_at: at,
      version: 2,
    };
    const s = apply(
      start(),
      event('comment.created', { task_id: 1, comment, comment_count: 4 }),
      event('checklist_item.updated', {
        task_id: 1,
        item,
        changed: ['done'],
        changes: { done: { from: false, to: true } },
        progress: { done: 2, total: 5 },
      }),
      // A card not on the board (archived, trashed) is left alone.
      event('comment.created', { task_id: 99, comment, comment_count: 1 }),
    );
    expect(s.tasks[1]!.comment_count).toBe(4);
    expect(s.tasks[1]!.checklist).toEqual({ done: 2, total: 5 });
    expect(s.tasks[99]).toBeUndefined();
  });

  it('labels: a rename shows on every card; a delete takes the label off them', () => {
    let s = apply(
      start(),
      event('label.updated', {
        label: { ...bug, name: 'Defect', version: 2 },
        changes: { name: { from: 'Bug', to: 'Defect' } },
      }),
    );
    expect(s.tasks[1]!.labels).toEqual(['Defect', 'UI']);
    s = apply(s, event('label.deleted', { label: ui }));
    expect(s.tasks[1]!.label_ids).toEqual([7]);
    expect(s.tasks[1]!.labels).toEqual(['Defect']);
    expect(s.labels[8]).toBeUndefined();
  });

  it('custom fields: a removed option and a deleted field clear values', () => {
    const field = {
      id: 5,
      board_id: 1,
      name: 'Priority',
      type: 'single_select' as const,
      options: [{ id: '2', name: 'Low', color: null }],
      created_at: at,
      updated_at: at,
      version: 2,
    };
    const s = apply(
      start(),
      event('custom_field.updated', { field, changes: { options: { from: [], to: [] } } }),
    );
    expect(s.tasks[1]!.custom_fields).toEqual({});
    expect(s.customFields[5]).toEqual(field);
    expect(boardStateToDetail(s).custom_fields).toEqual([field]);
  });
});
