import { describe, expect, it } from 'vitest';
import { describeEvent, escapeMarkdown, type EventLookups } from '../src/index.js';
import { column, event, task } from './support/builders.js';

const todo = column(100, 'To do', 'a0');
const done = column(200, 'Done', 'a1');
const users: Record<number, string> = { 10: 'alice', 11: 'bob' };
const lookups: EventLookups = {
  username: (id) => users[id],
  taskTitle: (id) => (id === 1 ? 'Fix login' : undefined),
};
const fix = task(1, done, { title: 'Fix login' });

describe('describeEvent', () => {
  it('says who moved which card from where to where', () => {
    const e = event('task.moved', {
      task: fix,
      from_column_id: todo.id,
      from_status: 'To do',
      changed: ['column_id', 'position'],
      changes: { column_id: { from: 100, to: 200 }, status: { from: 'To do', to: 'Done' } },
    });
    const d = describeEvent(e, lookups);
    expect(d.text).toBe('alice moved *Fix login* from To do to Done');
    expect(d.changes).toContainEqual({ field: 'status', from: 'To do', to: 'Done' });
  });

  it('names single changes precisely and several in a list', () => {
    const one = (changed: string[], changes = {}, extra = {}) =>
      describeEvent(
        event('task.updated', { task: { ...fix, ...extra }, changed, changes }, 11),
        lookups,
      ).text;
    expect(one(['title'], { title: { from: 'Fix logn', to: 'Fix login' } })).toBe(
      'bob renamed *Fix logn* to *Fix login*',
    );
    expect(one(['completed'], {}, { completed: true })).toBe('bob marked *Fix login* done');
    expect(
      one(['assignee_ids'], { assignee_ids: { from: [10], to: [11] } }, { assignee_ids: [11] }),
    ).toBe('bob assigned bob to *Fix login* and unassigned alice from *Fix login*');
    expect(
      one(
        ['label_ids'],
        { labels: { from: ['Bug'], to: ['Bug', 'UI'] } },
        { labels: ['Bug', 'UI'] },
      ),
    ).toBe('bob added UI to *Fix login*');
    expect(one(['title', 'description', 'due'])).toBe(
      'bob changed title, description and due date of *Fix login*',
    );
  });

  it('reads comment and checklist events with the card they belong to', () => {
    const e = event('comment.deleted', {
      task_id: 1,
      comment_id: 3,
      author_id: 11,
      comment_count: 0,
    });
    expect(describeEvent(e, lookups).text).toBe('alice deleted a comment by bob on *Fix login*');
    const unknown = event(
      'comment.created',
      {
        task_id: 2,
        comment: {
          id: 1,
          task_id: 2,
          board_id: 1,
          author_id: 12,
          author_username: 'carol',
          body: 'x',
          mention_ids: [],
          created_at: fix.created_at,
          updated_at: fix.created_at,
          edited_at: null,
          version: 1,
        },
        comment_count: 1,
      },
      12,
    );
    expect(describeEvent(unknown, lookups).text).toBe('someone commented on a card');
  });

  it('escapes what users typed', () => {
    expect(escapeMarkdown('*bold* [link](x) <b>\n#')).toBe('\\*bold\\* \\[link\\](x) \\<b\\> \\#');
    const e = event('task.created', { task: task(5, todo, { title: 'a*b_c' }) });
    expect(describeEvent(e, lookups).text).toBe('alice created *a\\*b\\_c* in To do');
  });

  it('reads an event written before changes were recorded', () => {
    const e = event('task.updated', { task: fix, changed: ['title'] });
    expect(describeEvent(e, lookups).text).toBe('alice renamed a card to *Fix login*');
    expect(describeEvent(e, lookups).changes).toEqual([]);
  });
});
