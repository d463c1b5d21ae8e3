import { initialRanks } from '@switchboard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../src/api/error-text';
import { ApiError } from '../src/api/http';
import { neighboursAt } from '../src/board/dnd';
import { matchesFilter, parseFilter } from '../src/lib/filter';
import { parseRoute } from '../src/router';
import { buildTaskIndex, compareTasks, replaceInIndex } from '../src/state/task-index';
import { member, task } from './support/fixtures';

describe('parseRoute', () => {
  it('maps paths to screens', () => {
    expect(parseRoute('/')).toEqual({ name: 'boards' });
    expect(parseRoute('/boards/12')).toEqual({ name: 'board', boardId: 12, taskId: null });
    expect(parseRoute('/boards/12/tasks/7')).toEqual({ name: 'board', boardId: 12, taskId: 7 });
    expect(parseRoute('/backends')).toEqual({ name: 'admin' });
    expect(parseRoute('/login', '?next=%2Fboards%2F3')).toEqual({
      name: 'login',
      next: '/boards/3',
    });
    expect(parseRoute('/boards/0')).toMatchObject({ name: 'not-found' });
    expect(parseRoute('/boards/abc')).toMatchObject({ name: 'not-found' });
  });

  it('follows only same-site paths after sign-in', () => {
    expect(parseRoute('/login', '?next=https://evil.example')).toEqual({
      name: 'login',
      next: null,
    });
    expect(parseRoute('/login', '?next=//evil.example')).toEqual({ name: 'login', next: null });
  });
});

describe('the board filter', () => {
  const members = { 10: member(10), 11: { ...member(11), username: 'ann' } };
  const t = task(1, 100, 'a0', { title: 'Fix login bug', labels: ['Backend'], assignee_ids: [11] });

  it('matches words against title, labels and people; #label, @person, is:done', () => {
    const yes = ['login', 'FIX bug', '#back', 'label:backend', '@ann', 'ann', 'backend is:open'];
    const no = ['logout', '#frontend', '@bob', 'is:done'];
    for (const q of yes) expect(matchesFilter(parseFilter(q)!, t, members), q).toBe(true);
    for (const q of no) expect(matchesFilter(parseFilter(q)!, t, members), q).toBe(false);
  });

  it('treats an empty query as no filter', () => {
    expect(parseFilter('   ')).toBeNull();
  });
});

describe('task index', () => {
  it('stays sorted and equal to a rebuild under any sequence of moves', () => {
    const ranks = initialRanks(40);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 1, max: 15 }),
            column: fc.constantFrom(1, 2, 3),
            rank: fc.integer({ min: 0, max: 39 }),
            remove: fc.boolean(),
          }),
          { maxLength: 60 },
        ),
        (steps) => {
          let index = buildTaskIndex([]);
          const tasks = new Map<number, ReturnType<typeof task>>();
          for (const s of steps) {
            const before = tasks.get(s.id);
            const after = s.remove ? undefined : task(s.id, s.column, ranks[s.rank]!);
            index = replaceInIndex(index, before, after);
            if (after) tasks.set(s.id, after);
            else tasks.delete(s.id);
          }
          const rebuilt = buildTaskIndex(tasks.values());
          for (const col of [1, 2, 3]) {
            expect(index.get(col) ?? []).toEqual(rebuilt.get(col) ?? []);
            const group = index.get(col) ?? [];
            for (let i = 1; i < group.length; i++) {
              expect(compareTasks(group[i - 1]!, group[i]!)).toBeLessThan(0);
            }
          }
        },
      ),
    );
  });

  it('leaves untouched columns’ arrays as they were', () => {
    const index = buildTaskIndex([task(1, 1, 'a0'), task(2, 2, 'a0')]);
    const next = replaceInIndex(index, index.get(1)![0], { ...task(1, 1, 'a0'), title: 'x' });
    expect(next.get(2)).toBe(index.get(2));
    expect(next.get(1)).not.toBe(index.get(1));
  });
});

describe('neighboursAt', () => {
  it('names the cards around the drop position', () => {
    const list = [{ id: 1 }, { id: 2 }, { id: 3 }];
    expect(neighboursAt(list, 3, 0)).toEqual({ afterId: null, beforeId: 1 });
    expect(neighboursAt(list, 1, 2)).toEqual({ afterId: 3, beforeId: null });
    expect(neighboursAt(list, 9, 1)).toEqual({ afterId: 1, beforeId: 2 });
  });
});

describe('fieldErrors', () => {
  it('maps SB_ERR_VALIDATION issues to form fields', () => {
    const error = new ApiError(400, 'SB_ERR_VALIDATION', 'bad', {
      issues: [
        { path: 'body.username', message: 'too short' },
        { path: 'body.labels.0', message: 'too long' },
      ],
    });
    expect(fieldErrors(error)).toEqual({ username: 'too short', labels: 'too long' });
    expect(fieldErrors(new ApiError(409, 'SB_ERR_USERNAME_TAKEN', 'taken'))).toEqual({});
  });
});
