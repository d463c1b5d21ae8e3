import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

type User = Client & { userId: number; username: string };
let h: Harness;
let owner: User;
let editor: User;
let other: User;
let viewer: User;
let boardId: number;

beforeAll(async () => {
  h = await startHarness('comments');
  owner = await registerUser(h.app, 'owner');
  editor = await registerUser(h.app, 'editor');
  other = await registerUser(h.app, 'other');
  viewer = await registerUser(h.app, 'viewer');
  boardId = (await owner.post('/api/boards', { title: 'Talk' })).body.id;
  for (const [u, role] of [
    [editor, 'editor'],
    [other, 'editor'],
    [viewer, 'viewer'],
  ] as const) {
    await owner.post(`/api/boards/${boardId}/members`, { username: u.username, role });
  }
});
afterAll(async () => h?.close());

const newTask = async (title = 'Card') =>
  (await owner.post('/api/tasks', { board_id: boardId, title })).body.id as number;

describe('comments', () => {
  it('posts Markdown, resolves @mentions of members only, and counts on the card and board', async () => {
    const taskId = await newTask();
    const res = await editor.post(`/api/tasks/${taskId}/comments`, {
      body: `**Looks good** @${owner.username.toUpperCase()}, ping @${viewer.username} and @nobody_here; mail x@${other.username}`,
    });
    expect(res.status).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    expect(res.body).toMatchObject({
      task_id: taskId,
      board_id: boardId,
      author_id: editor.userId,
      author_username: editor.username,
      mention_ids: [owner.userId, viewer.userId],
      edited_at: null,
      version: 1,
    });
    await owner.post(`/api/tasks/${taskId}/comments`, { body: 'second' });
    expect((await owner.get(`/api/tasks/${taskId}`)).body.comment_count).toBe(2);
    const board = await owner.get(`/api/boards/${boardId}`);
    expect(board.body.tasks.find((t: { id: number }) => t.id === taskId).comment_count).toBe(2);
  });

  it('refuses empty and oversized bodies, viewers and strangers', async () => {
    const taskId = await newTask();
    for (const body of [{ body: '   ' }, { body: 'x'.repeat(10_001) }, {}, { body: 'a', x: 1 }]) {
      const res = await owner.post(`/api/tasks/${taskId}/comments`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('SB_ERR_VALIDATION');
    }
    expect((await viewer.post(`/api/tasks/${taskId}/comments`, { body: 'hi' })).status).toBe(403);
    const stranger = await registerUser(h.app, 'stranger');
    expect((await stranger.post(`/api/tasks/${taskId}/comments`, { body: 'hi' })).status).toBe(404);
    expect((await stranger.get(`/api/tasks/${taskId}/comments`)).status).toBe(404);
    expect((await owner.get(`/api/tasks/${taskId}`)).body.comment_count).toBe(0);
  });

  it('pages a long thread newest or oldest first with a cursor', async () => {
    const taskId = await newTask();
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await owner.post(`/api/tasks/${taskId}/comments`, { body: `c${i}` })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        body: { comments: { body: string }[]; next_cursor: string | null; total: number };
      } = await owner.get(
        `/api/tasks/${taskId}/comments?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.total).toBe(7);
      seen.push(...page.body.comments.map((c) => c.body));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
    const oldest = await owner.get(`/api/tasks/${taskId}/comments?order=oldest&limit=5`);
    expect(oldest.body.comments.map((c: { body: string }) => c.body)).toEqual([
      'c0',
      'c1',
      'c2',
      'c3',
      'c4',
    ]);
    const rest = await owner.get(
      `/api/tasks/${taskId}/comments?order=oldest&limit=5&cursor=${oldest.body.next_cursor}`,
    );
    expect(rest.body.comments.map((c: { body: string }) => c.body)).toEqual(['c5', 'c6']);
    expect(rest.body.next_cursor).toBeNull();
    for (const q of ['limit=0', 'limit=201', 'order=up', 'cursor=-1', 'x=1']) {
      expect((await owner.get(`/api/tasks/${taskId}/comments?${q}`)).status).toBe(400);
    }
  });

  it('authors edit their own; a stale version gets 409 with the current comment', async () => {
    const taskId = await newTask();
    const c = (await editor.post(`/api/tasks/${taskId}/comments`, { body: 'draft' })).body;
    const edited = await editor.patch(
      `/api/comments/${c.id}`,
      { body: 'final @' + owner.username },
      {
        'if-match': '"1"',
      },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      body: `final @${owner.username}`,
      version: 2,
      mention_ids: [owner.userId],
    });
    expect(edited.body.edited_at).not.toBeNull();
    const stale = await editor.patch(`/api/comments/${c.id}`, { body: 'late', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('SB_ERR_VERSION_CONFLICT');
    expect(stale.body.error.details.current).toEqual(edited.body);
    const notMine = await owner.patch(`/api/comments/${c.id}`, { body: 'owner edit' });
    expect(notMine.status).toBe(403);
    expect(notMine.body.error.code).toBe('SB_ERR_NOT_AUTHOR');
  });

  it('of concurrent edits on one version exactly one wins', async () => {
    const taskId = await newTask();
    const c = (await editor.post(`/api/tasks/${taskId}/comments`, { body: 'v1' })).body;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        editor.patch(`/api/comments/${c.id}`, { body: `edit ${i}` }, { 'if-match': '"1"' }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
  });

  it('authors delete their own, owners any; editors not others’; the count follows', async () => {
    const taskId = await newTask();
    const mine = (await editor.post(`/api/tasks/${taskId}/comments`, { body: 'mine' })).body;
    const theirs = (await other.post(`/api/tasks/${taskId}/comments`, { body: 'theirs' })).body;
    const denied = await editor.delete(`/api/comments/${theirs.id}`);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('SB_ERR_NOT_AUTHOR');
    expect((await editor.delete(`/api/comments/${mine.id}`)).status).toBe(204);
    expect((await owner.delete(`/api/comments/${theirs.id}`)).status).toBe(204);
    expect((await owner.delete(`/api/comments/${theirs.id}`)).status).toBe(404);
    expect((await owner.get(`/api/tasks/${taskId}`)).body.comment_count).toBe(0);
    const log = await owner.get(`/api/boards/${boardId}/events?limit=1000`);
    const deletions = log.body.events.filter((e: { type: string }) => e.type === 'comment.deleted');
    expect(deletions.at(-1).payload).toEqual({
      task_id: taskId,
      comment_id: theirs.id,
      author_id: other.userId,
      comment_count: 0,
    });
  });

  it('ticks a task-list item in a comment, for anyone with write access', async () => {
    const taskId = await newTask();
    const c = (
      await owner.post(`/api/tasks/${taskId}/comments`, { body: 'Plan:\n- [ ] one\n- [ ] two' })
    ).body;
    const ticked = await editor.put(`/api/comments/${c.id}/task-items/1`, { checked: true });
    expect(ticked.status).toBe(200);
    expect(ticked.body.body).toBe('Plan:\n- [ ] one\n- [x] two');
    expect(ticked.body.edited_at).toBeNull();
    const missing = await editor.put(`/api/comments/${c.id}/task-items/2`, { checked: true });
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe('SB_ERR_NO_SUCH_TASK_ITEM');
    expect((await viewer.put(`/api/comments/${c.id}/task-items/0`, { checked: true })).status).toBe(
      403,
    );
  });

  it('leaves a card’s comments alone while it is archived, and gone with it in the trash', async () => {
    const taskId = await newTask();
    const c = (await owner.post(`/api/tasks/${taskId}/comments`, { body: 'kept' })).body;
    await owner.patch(`/api/tasks/${taskId}`, { archived: true });
    const refused = await owner.post(`/api/tasks/${taskId}/comments`, { body: 'no' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SB_ERR_ARCHIVED');
    expect((await owner.get(`/api/tasks/${taskId}/comments`)).body.total).toBe(1);
    await owner.patch(`/api/tasks/${taskId}`, { archived: false });
    expect((await owner.delete(`/api/tasks/${taskId}`)).status).toBe(204);
    expect((await owner.get(`/api/tasks/${taskId}/comments`)).status).toBe(404);
    expect((await owner.patch(`/api/comments/${c.id}`, { body: 'x' })).status).toBe(404);
  });
});
