import type { BoardDetail, BoardEvent, Column, Label, Task } from '../../src/index.js';

/** Small wire objects for the reducer and describeEvent tests. */
export const at = '2026-12-01T00:00:00.000Z';

export function column(id: number, title: string, position: string): Column {
  return {
    id,
    board_id: 1,
    title,
    position,
    wip_limit: null,
    archived_at: null,
    created_at: at,
    updated_at: at,
    version: 1,
  };
}

export function task(id: number, col: Column, extra: Partial<Task> = {}): Task {
  return {
    id,
    board_id: 1,
    column_id: col.id,
    status: col.title,
    title: `Task ${id}`,
    description: '',
    completed: false,
    position: `a${id}`,
    assignee_ids: [],
    label_ids: [],
    labels: [],
    due_at: null,
    due: null,
    start_date: null,
    custom_fields: {},
    comment_count: 0,
    checklist: { done: 0, total: 0 },
    attachment_count: 0,
    cover: null,
    archived_at: null,
    created_by: 10,
    created_at: at,
    updated_at: at,
    version: 1,
    ...extra,
  };
}

export function label(id: number, name: string): Label {
  return { id, board_id: 1, name, color: 'blue', created_at: at, updated_at: at, version: 1 };
}

export function detail(columns: Column[], tasks: Task[], labels: Label[] = []): BoardDetail {
  return {
    id: 1,
    title: 'Board',
    archived: false,
    background: null,
    created_by: 10,
    created_at: at,
    updated_at: at,
    version: 1,
    seq: 10,
    role: 'owner',
    columns,
    tasks,
    members: [],
    labels,
    custom_fields: [],
  };
}

let seq = 10;
export function event<E extends BoardEvent>(type: E['type'], payload: E['payload'], actor = 10) {
  return {
    id: '00000000-0000-4000-8000-000000000000',
    board_id: 1,
    seq: ++seq,
    type,
    actor,
    payload,
    created_at: at,
  } as E;
}
