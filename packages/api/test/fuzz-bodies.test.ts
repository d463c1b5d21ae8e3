import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

/**
 * Property: whatever body arrives, the answer is never a 5xx, and a 4xx leaves
 * the database exactly as it was.
 */
let h: Harness;
let alice: Client & { userId: number; username: string };
let boardId: number;
let taskId: number;
let columnId: number;
let commentId: number;
let checklistId: number;
let itemId: number;
let labelId: number;
let fieldId: number;
let selectId: number;
let trashedId: number;

beforeAll(async () => {
  h = await startHarness('fuzz');
  alice = await registerUser(h.app, 'alice');
  const board = await alice.post('/api/boards', { title: 'Fuzz' });
  boardId = board.body.id;
  columnId = board.body.columns[1].id;
  taskId = (await alice.post('/api/tasks', { board_id: boardId, title: 'victim' })).body.id;
  commentId = (await alice.post(`/api/tasks/${taskId}/comments`, { body: '- [ ] a' })).body.id;
  const list = (
    await alice.post(`/api/tasks/${taskId}/checklists`, { title: 'L', items: ['i', 'j'] })
  ).body;
  checklistId = list.id;
  itemId = list.items[0].id;
  labelId = (await alice.post(`/api/boards/${boardId}/labels`, { name: 'Bug' })).body.id;
  fieldId = (
    await alice.post(`/api/boards/${boardId}/custom-fields`, { name: 'N', type: 'number' })
  ).body.id;
  selectId = (
    await alice.post(`/api/boards/${boardId}/custom-fields`, {
      name: 'S',
      type: 'single_select',
      options: [{ name: 'a' }],
    })
  ).body.id;
  trashedId = (await alice.post('/api/tasks', { board_id: boardId, title: 'trashed' })).body.id;
  await alice.delete(`/api/tasks/${trashedId}`);
});
afterAll(async () => h?.close());

/** Every table a write could touch, whole rows, in one comparable value. */
const watched = [
  'users',
  'sessions',
  'boards',
  'board_members',
  'columns',
  'tasks',
  'board_events',
  'labels',
  'custom_fields',
  'comments',
  'checklists',
  'checklist_items',
  'jobs',
];

async function snapshot() {
  const parts = watched.map(
    (table) =>
      sql`(SELECT coalesce(string_agg(t::text, ';' ORDER BY t::text), '') FROM ${sql.table(table)} t)`,
  );
  const { rows } = await sql<{ t: string }>`
    SELECT concat_ws('|', ${sql.join(parts)}) AS t`.execute(h.deps.db);
  return rows[0]!.t;
}

const id = fc.oneof(
  fc.constantFrom(1, 2, 3, 0, -1, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 5 }),
  fc.constant(null),
);
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ minLength: 195, maxLength: 260 }),
  fc.constantFrom('', '   ', '\u0000', '<script>', '\uD800'),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
);
const field = fc.oneof(
  id,
  text,
  fc.boolean(),
  fc.object({ maxDepth: 1 }),
  fc.array(id, { maxLength: 25 }),
);

/** Objects with the routes' real field names holding values of any type, plus stray keys. */
const almostValid = fc.record(
  {
    board_id: id,
    title: text,
    description: text,
    column_id: id,
    completed: field,
    created_by: id,
    assignee_ids: fc.oneof(fc.array(id, { maxLength: 25 }), field),
    labels: fc.oneof(fc.array(text, { maxLength: 25 }), field),
    due_at: fc.oneof(
      fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())),
      text,
    ),
    after_id: id,
    before_id: id,
    version: id,
    wip_limit: id,
    archived: field,
    role: fc.oneof(fc.constantFrom('owner', 'editor', 'viewer', 'god'), text),
    username: text,
    password: text,
    columns: fc.oneof(fc.array(text, { maxLength: 25 }), field),
    status: fc.oneof(fc.constantFrom('To do', 'done', 'Nope'), text),
    label_ids: fc.oneof(fc.array(id, { maxLength: 25 }), field),
    due: fc.oneof(
      fc.record(
        {
          date: fc.oneof(fc.constantFrom('2026-12-24', '2026-02-30', '24.12.2026'), text),
          time: fc.oneof(fc.constantFrom('17:00', '24:00', '9:00', null), text),
          time_zone: fc.oneof(fc.constantFrom('Europe/Berlin', 'UTC', 'Mars/Base', null), text),
        },
        { requiredKeys: [] },
      ),
      field,
    ),
    start_date: fc.oneof(fc.constantFrom('2026-01-31', '2026-13-01'), text),
    custom_fields: fc.oneof(
      fc.dictionary(fc.oneof(fc.constantFrom('1', '2', '3', 'x', '0'), fc.string()), field, {
        maxKeys: 4,
      }),
      field,
    ),
    body: text,
    checked: field,
    done: field,
    checklist_id: id,
    items: fc.oneof(fc.array(text, { maxLength: 5 }), field),
    name: text,
    color: fc.oneof(fc.constantFrom('red', 'blue', 'mauve', '#ff0000'), text),
    type: fc.oneof(
      fc.constantFrom('text', 'number', 'date', 'single_select', 'checkbox', 'x'),
      text,
    ),
    options: fc.oneof(
      fc.array(
        fc.record(
          { id: fc.oneof(fc.constantFrom('1', '2', '99'), text), name: text },
          { requiredKeys: [] },
        ),
        {
          maxLength: 4,
        },
      ),
      field,
    ),
    extra: field,
  },
  { requiredKeys: [] },
);
const weird = fc.oneof(
  field,
  fc.constantFrom('a\u0000b', 'x\uDC00', '\uD83D', ' '.repeat(300), -0, 1e308),
);

/** A body the route accepts, with one field (or a stray one) swapped for something odd. */
function mutated(valid: () => Record<string, unknown>) {
  return fc
    .tuple(fc.constantFrom(...Object.keys(valid()), 'stray'), weird)
    .map(([key, value]) => ({ ...valid(), [key]: value }));
}

const routes: {
  method: 'POST' | 'PATCH' | 'PUT';
  url: () => string;
  label: string;
  valid: () => Record<string, unknown>;
}[] = [
  {
    method: 'POST',
    url: () => '/api/tasks',
    label: '/api/tasks',
    valid: () => ({
      board_id: boardId,
      title: 'ok',
      column_id: columnId,
      labels: ['a'],
      due_at: null,
    }),
  },
  {
    method: 'PATCH',
    url: () => `/api/tasks/${taskId}`,
    label: '/api/tasks/:id',
    valid: () => ({ title: 'ok', completed: true, column_id: columnId, after_id: null }),
  },
  {
    method: 'PUT',
    url: () => `/api/tasks/${taskId}`,
    label: '/api/tasks/:id',
    valid: () => ({ title: 'ok', completed: true, column_id: columnId, after_id: null }),
  },
  {
    method: 'POST',
    url: () => '/api/boards',
    label: '/api/boards',
    valid: () => ({ title: 'ok', columns: ['a', 'b'] }),
  },
  {
    method: 'PATCH',
    url: () => `/api/boards/${boardId}`,
    label: '/api/boards/:id',
    valid: () => ({ title: 'ok' }),
  },
  {
    method: 'POST',
    url: () => `/api/boards/${boardId}/columns`,
    label: '/api/boards/:id/columns',
    valid: () => ({ title: 'ok', wip_limit: 3 }),
  },
  {
    method: 'PATCH',
    url: () => `/api/boards/${boardId}/columns/${columnId}`,
    label: '/api/boards/:id/columns/:id',
    valid: () => ({ title: 'ok', wip_limit: null }),
  },
  {
    method: 'POST',
    url: () => `/api/boards/${boardId}/members`,
    label: '/api/boards/:id/members',
    valid: () => ({ username: alice.username, role: 'viewer' }),
  },
  {
    method: 'PATCH',
    url: () => `/api/boards/${boardId}/members/${alice.userId}`,
    label: '/api/boards/:id/members/:id',
    valid: () => ({ role: 'owner' }),
  },
  {
    method: 'POST',
    url: () => `/api/tasks/${taskId}/comments`,
    label: '/api/tasks/:id/comments',
    valid: () => ({ body: `**hi** @${alice.username}` }),
  },
  {
    method: 'PATCH',
    url: () => `/api/comments/${commentId}`,
    label: '/api/comments/:id',
    valid: () => ({ body: '- [ ] edited' }),
  },
  {
    method: 'PUT',
    url: () => `/api/comments/${commentId}/task-items/0`,
    label: '/api/comments/:id/task-items/:index',
    valid: () => ({ checked: true }),
  },
  {
    method: 'PUT',
    url: () => `/api/tasks/${taskId}/task-items/0`,
    label: '/api/tasks/:id/task-items/:index',
    valid: () => ({ checked: false }),
  },
  {
    method: 'POST',
    url: () => `/api/tasks/${taskId}/checklists`,
    label: '/api/tasks/:id/checklists',
    valid: () => ({ title: 'ok', items: ['a'] }),
  },
  {
    method: 'PATCH',
    url: () => `/api/checklists/${checklistId}`,
    label: '/api/checklists/:id',
    valid: () => ({ title: 'ok' }),
  },
  {
    method: 'POST',
    url: () => `/api/checklists/${checklistId}/items`,
    label: '/api/checklists/:id/items',
    valid: () => ({ title: 'ok', done: true }),
  },
  {
    method: 'PATCH',
    url: () => `/api/checklist-items/${itemId}`,
    label: '/api/checklist-items/:id',
    valid: () => ({ done: true, checklist_id: checklistId }),
  },
  {
    method: 'POST',
    url: () => `/api/tasks/${taskId}/copy`,
    label: '/api/tasks/:id/copy',
    valid: () => ({ board_id: boardId, title: 'Copy', keep_comments: false }),
  },
  {
    method: 'POST',
    url: () => `/api/checklist-items/${itemId}/convert`,
    label: '/api/checklist-items/:id/convert',
    valid: () => ({ column_id: columnId }),
  },
  {
    method: 'POST',
    url: () => `/api/boards/${boardId}/labels`,
    label: '/api/boards/:id/labels',
    valid: () => ({ name: 'ok', color: 'green' }),
  },
  {
    method: 'PATCH',
    url: () => `/api/boards/${boardId}/labels/${labelId}`,
    label: '/api/boards/:id/labels/:id',
    valid: () => ({ name: 'Bug', color: 'red' }),
  },
  {
    method: 'POST',
    url: () => `/api/boards/${boardId}/custom-fields`,
    label: '/api/boards/:id/custom-fields',
    valid: () => ({ name: 'ok', type: 'single_select', options: [{ name: 'x' }] }),
  },
  {
    method: 'PATCH',
    url: () => `/api/boards/${boardId}/custom-fields/${selectId}`,
    label: '/api/boards/:id/custom-fields/:id',
    valid: () => ({ name: 'S', options: [{ id: '1', name: 'a' }] }),
  },
  {
    method: 'PATCH',
    url: () => `/api/tasks/${taskId}`,
    label: '/api/tasks/:id (cards fields)',
    valid: () => ({
      status: 'In progress',
      label_ids: [labelId],
      due: { date: '2026-12-24', time: '17:00', time_zone: 'Europe/Berlin' },
      start_date: '2026-12-01',
      custom_fields: { [fieldId]: 3, [selectId]: 'a' },
    }),
  },
  {
    method: 'POST',
    url: () => `/api/boards/${boardId}/trash/${trashedId}/restore`,
    label: '/api/boards/:id/trash/:id/restore',
    valid: () => ({}),
  },
  {
    method: 'POST',
    url: () => '/api/auth/register',
    label: '/api/auth/register',
    valid: () => ({ username: 'fuzzer', password: 'long enough password' }),
  },
  {
    method: 'POST',
    url: () => '/api/auth/login',
    label: '/api/auth/login',
    valid: () => ({ username: alice.username, password: 'wrong password' }),
  },
];

describe('fuzzed request bodies', () => {
  for (const route of routes) {
    it(`${route.method} ${route.label} never 5xx, and 4xx changes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            almostValid,
            fc.anything({ maxDepth: 2 }),
            fc.constant(undefined),
            mutated(route.valid),
          ),
          async (payload) => {
            const before = await snapshot();
            const res = await alice.request(route.method, route.url(), payload);
            expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
            if (res.status >= 400) {
              expect(res.body.error.code).toMatch(/^SB_ERR_/);
              expect(await snapshot()).toBe(before);
            }
          },
        ),
        { numRuns: 80 },
      );
    });
  }

  it('odd query strings on the listing routes never 5xx', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        '0',
        '-1',
        '1,2',
        `${fieldId}:3`,
        `${selectId}:a`,
        `${fieldId}:`,
        'true',
        '%00',
      ),
    );
    const key = fc.constantFrom(
      'label',
      'field',
      'status',
      'due',
      'archived',
      'cursor',
      'order',
      'limit',
      'before_seq',
      'board_id',
      'page_size',
      'x',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/api/tasks',
          `/api/tasks/${taskId}/comments`,
          `/api/tasks/${taskId}/history`,
          `/api/boards/${boardId}/activity`,
        ),
        fc.array(fc.tuple(key, value), { maxLength: 4 }),
        async (path, pairs) => {
          const query = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
          const res = await alice.get(`${path}?${query}`);
          expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
          if (res.status >= 400) expect(res.body.error.code).toMatch(/^SB_ERR_/);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('raw bytes, odd content types and odd path ids never 5xx and change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom('{', '{"a":', '[1,', '\u0000', '{"__proto__":{"x":1}}', 'nul'),
        ),
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'multipart/form-data; boundary=x',
          '',
        ),
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.constantFrom('0', '-1', '1.5', '1e3', '99999999999999999999', '%00', '..'),
        ),
        async (raw, type, pathId) => {
          const before = await snapshot();
          const res = await h.app.inject({
            method: 'PATCH',
            url: `/api/tasks/${encodeURIComponent(pathId)}`,
            headers: {
              authorization: `Bearer ${alice.token}`,
              ...(type ? { 'content-type': type } : {}),
            },
            payload: raw,
          });
          expect(res.statusCode, res.body).toBeLessThan(500);
          if (res.statusCode >= 400) expect(await snapshot()).toBe(before);
        },
      ),
      { numRuns: 120 },
    );
  });
});
