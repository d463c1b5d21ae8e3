import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';
import {
  type Expected,
  matrixTests,
  ownerOnly,
  read,
  type RouteCase,
  write,
} from './support/matrix.js';

/** The authorization matrix for the routes of cards (see support/matrix.ts). */
interface Fixture {
  boardId: number;
  columnId: number;
  taskId: number;
  /** By the owner. */
  commentId: number;
  /** By the editor. */
  editorCommentId: number;
  checklistId: number;
  itemId: number;
  labelId: number;
  fieldId: number;
  trashedId: number;
  attachmentId: number;
}

/** Someone else's comment: only its author edits (owners too are refused). */
const authorOnly = (ok: number): Expected => ({
  owner: 403,
  editor: ok,
  viewer: 403,
  nonMember: 404,
  anonymous: 401,
});

const routes: RouteCase<Fixture>[] = [
  { name: 'list comments', call: (c, f) => c.get(`/api/tasks/${f.taskId}/comments`), expect: read },
  {
    name: 'post comment',
    call: (c, f) => c.post(`/api/tasks/${f.taskId}/comments`, { body: 'hi' }),
    expect: write(201),
  },
  {
    name: 'edit the owner’s comment',
    call: (c, f) => c.patch(`/api/comments/${f.commentId}`, { body: 'edited' }),
    expect: ownerOnly(200),
  },
  {
    name: 'edit the editor’s comment',
    call: (c, f) => c.patch(`/api/comments/${f.editorCommentId}`, { body: 'edited' }),
    expect: authorOnly(200),
  },
  {
    name: 'delete the owner’s comment',
    call: (c, f) => c.delete(`/api/comments/${f.commentId}`),
    expect: ownerOnly(204),
  },
  {
    name: 'delete the editor’s comment',
    call: (c, f) => c.delete(`/api/comments/${f.editorCommentId}`),
    expect: write(204),
  },
  {
    name: 'tick an item in a comment',
    call: (c, f) => c.put(`/api/comments/${f.commentId}/task-items/0`, { checked: true }),
    expect: write(200),
  },
  {
    name: 'tick an item in a description',
    call: (c, f) => c.put(`/api/tasks/${f.taskId}/task-items/0`, { checked: true }),
    expect: write(200),
  },
  {
    name: 'put a label on a task',
    call: (c, f) => c.put(`/api/tasks/${f.taskId}/labels/${f.labelId}`),
    expect: write(200),
  },
  {
    name: 'take a label off a task',
    call: (c, f) => c.delete(`/api/tasks/${f.taskId}/labels/${f.labelId}`),
    expect: write(200),
  },
  {
    name: 'task history',
    call: (c, f) => c.get(`/api/tasks/${f.taskId}/history`),
    expect: read,
  },
  {
    name: 'filter tasks by label and field',
    call: (c, f) =>
      c.get(`/api/tasks?board_id=${f.boardId}&label=${f.labelId}&field=${f.fieldId}:x`),
    expect: read,
  },
  {
    name: 'archive a task',
    call: (c, f) => c.patch(`/api/tasks/${f.taskId}`, { archived: true }),
    expect: write(200),
  },
  {
    name: 'archive a column',
    call: (c, f) => c.patch(`/api/boards/${f.boardId}/columns/${f.columnId}`, { archived: true }),
    expect: write(200),
  },
  {
    name: 'list checklists',
    call: (c, f) => c.get(`/api/tasks/${f.taskId}/checklists`),
    expect: read,
  },
  {
    name: 'add checklist',
    call: (c, f) => c.post(`/api/tasks/${f.taskId}/checklists`, { title: 'New' }),
    expect: write(201),
  },
  {
    name: 'rename checklist',
    call: (c, f) => c.patch(`/api/checklists/${f.checklistId}`, { title: 'Renamed' }),
    expect: write(200),
  },
  {
    name: 'delete checklist',
    call: (c, f) => c.delete(`/api/checklists/${f.checklistId}`),
    expect: write(204),
  },
  {
    name: 'add checklist item',
    call: (c, f) => c.post(`/api/checklists/${f.checklistId}/items`, { title: 'item' }),
    expect: write(201),
  },
  {
    name: 'tick checklist item',
    call: (c, f) => c.patch(`/api/checklist-items/${f.itemId}`, { done: true }),
    expect: write(200),
  },
  {
    name: 'delete checklist item',
    call: (c, f) => c.delete(`/api/checklist-items/${f.itemId}`),
    expect: write(204),
  },
  {
    name: 'list attachments',
    call: (c, f) => c.get(`/api/tasks/${f.taskId}/attachments`),
    expect: read,
  },
  {
    name: 'download attachment',
    call: (c, f) => c.get(`/api/attachments/${f.attachmentId}`),
    expect: read,
  },
  {
    name: 'upload attachment',
    call: (c, f) => c.post(`/api/attachments?task_id=${f.taskId}&name=note.json`, { a: 1 }),
    expect: write(201),
  },
  {
    name: 'delete attachment',
    call: (c, f) => c.delete(`/api/attachments/${f.attachmentId}`),
    expect: write(204),
  },
  {
    name: 'duplicate card (copy to its board)',
    call: (c, f) => c.post(`/api/tasks/${f.taskId}/copy`, { board_id: f.boardId }),
    expect: write(201),
  },
  {
    name: 'convert checklist item',
    call: (c, f) => c.post(`/api/checklist-items/${f.itemId}/convert`, {}),
    expect: write(201),
  },
  { name: 'list labels', call: (c, f) => c.get(`/api/boards/${f.boardId}/labels`), expect: read },
  {
    name: 'create label',
    call: (c, f) => c.post(`/api/boards/${f.boardId}/labels`, { name: 'New', color: 'green' }),
    expect: write(201),
  },
  {
    name: 'rename label',
    call: (c, f) => c.patch(`/api/boards/${f.boardId}/labels/${f.labelId}`, { name: 'Renamed' }),
    expect: write(200),
  },
  {
    name: 'delete label',
    call: (c, f) => c.delete(`/api/boards/${f.boardId}/labels/${f.labelId}`),
    expect: write(204),
  },
  {
    name: 'list custom fields',
    call: (c, f) => c.get(`/api/boards/${f.boardId}/custom-fields`),
    expect: read,
  },
  {
    name: 'create custom field',
    call: (c, f) => c.post(`/api/boards/${f.boardId}/custom-fields`, { name: 'N', type: 'number' }),
    expect: write(201),
  },
  {
    name: 'rename custom field',
    call: (c, f) =>
      c.patch(`/api/boards/${f.boardId}/custom-fields/${f.fieldId}`, { name: 'Renamed' }),
    expect: write(200),
  },
  {
    name: 'delete custom field',
    call: (c, f) => c.delete(`/api/boards/${f.boardId}/custom-fields/${f.fieldId}`),
    expect: write(204),
  },
  {
    name: 'board activity',
    call: (c, f) => c.get(`/api/boards/${f.boardId}/activity`),
    expect: read,
  },
  {
    name: 'archived list',
    call: (c, f) => c.get(`/api/boards/${f.boardId}/archived`),
    expect: read,
  },
  { name: 'trash list', call: (c, f) => c.get(`/api/boards/${f.boardId}/trash`), expect: read },
  {
    name: 'restore from trash',
    call: (c, f) => c.post(`/api/boards/${f.boardId}/trash/${f.trashedId}/restore`),
    expect: write(200),
  },
  {
    name: 'delete one card for good',
    call: (c, f) => c.delete(`/api/boards/${f.boardId}/trash/${f.trashedId}`),
    expect: ownerOnly(204),
  },
  {
    name: 'empty the trash',
    call: (c, f) => c.delete(`/api/boards/${f.boardId}/trash`),
    expect: ownerOnly(200),
  },
];

type Member = Client & { userId: number; username: string };
let h: Harness;
let members: Record<'owner' | 'editor' | 'viewer' | 'nonMember', Member>;

beforeAll(async () => {
  h = await startHarness('authzcards');
  members = {
    owner: await registerUser(h.app, 'owner'),
    editor: await registerUser(h.app, 'editor'),
    viewer: await registerUser(h.app, 'viewer'),
    nonMember: await registerUser(h.app, 'stranger'),
  };
});
afterAll(async () => h?.close());

async function ok<T>(res: Promise<{ status: number; body: T }>): Promise<T> {
  const r = await res;
  expect(r.status).toBeLessThan(300);
  return r.body;
}

async function fixture(): Promise<Fixture> {
  const { owner, editor, viewer } = members;
  const board = await ok(owner.post('/api/boards', { title: 'Matrix' }));
  const boardId = board.id as number;
  for (const [who, role] of [
    [editor, 'editor'],
    [viewer, 'viewer'],
  ] as const) {
    await ok(owner.post(`/api/boards/${boardId}/members`, { username: who.username, role }));
  }
  const label = await ok(owner.post(`/api/boards/${boardId}/labels`, { name: 'Bug' }));
  const field = await ok(
    owner.post(`/api/boards/${boardId}/custom-fields`, { name: 'F', type: 'text' }),
  );
  const task = await ok(
    owner.post('/api/tasks', {
      board_id: boardId,
      title: 'Existing',
      description: '- [ ] step',
      label_ids: [label.id],
      column_id: board.columns[1].id,
    }),
  );
  const comment = await ok(owner.post(`/api/tasks/${task.id}/comments`, { body: '- [ ] do it' }));
  const editorComment = await ok(editor.post(`/api/tasks/${task.id}/comments`, { body: 'mine' }));
  const list = await ok(
    owner.post(`/api/tasks/${task.id}/checklists`, { title: 'L', items: ['i'] }),
  );
  const trashed = await ok(owner.post('/api/tasks', { board_id: boardId, title: 'Trashed' }));
  await owner.delete(`/api/tasks/${trashed.id}`);
  const attachment = await ok(
    owner.post(`/api/attachments?task_id=${task.id}&name=file.txt`, 'hello', {
      'content-type': 'text/plain',
    }),
  );
  return {
    boardId,
    columnId: board.columns[1].id,
    taskId: task.id,
    commentId: comment.id,
    editorCommentId: editorComment.id,
    checklistId: list.id,
    itemId: list.items[0].id,
    labelId: label.id,
    fieldId: field.id,
    trashedId: trashed.id,
    attachmentId: attachment.id,
  };
}

describe('authorization matrix: cards', () => {
  matrixTests(routes, () => ({ h, members, fixture }));
});
