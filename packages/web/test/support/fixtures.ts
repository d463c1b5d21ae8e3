import type {
  Board,
  BoardDetail,
  BoardEvent,
  Column,
  EventDraft,
  EventPage,
  Member,
  Task,
} from '@switchboard/core';
import { initialRanks, rankBetween } from '@switchboard/core';
import { ApiError } from '../../src/api/http';
import type { BoardTransport } from '../../src/state/transport';

const at = '2025-01-01T00:00:00.000Z';
export const BOARD_ID = 1;
export const ME = 10;
export const OTHER = 11;

export function column(id: number, position: string, extra: Partial<Column> = {}): Column {
  return {
    id,
    board_id: BOARD_ID,
    title: `Column ${id}`,
    position,
    wip_limit: null,
    archived_at: null,
    created_at: at,
    updated_at: at,
    version: 1,
    ...extra,
  };
}

export function task(id: number, columnId: number, position: string, extra: Partial<Task> = {}) {
  const t: Task = {
    id,
    board_id: BOARD_ID,
    column_id: columnId,
    status: `Column ${columnId}`,
    title: `Task ${id}`,
    description: '',
    completed: false,
    position,
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
    created_by: ME,
    created_at: at,
    updated_at: at,
    version: 1,
    ...extra,
  };
  return t;
}

export function member(userId: number, role: Member['role'] = 'editor'): Member {
  return { user_id: userId, username: `user${userId}`, role, added_at: at };
}

/** Board 1: columns 100, 200, 300; tasks 1–3 in column 100, seq 5. */
export function detail(overrides: Partial<BoardDetail> = {}): BoardDetail {
  const [p1, p2, p3] = initialRanks(3) as [string, string, string];
  const board: Board = {
    id: BOARD_ID,
    title: 'Board',
    archived: false,
    background: null,
    created_by: ME,
    created_at: at,
    updated_at: at,
    version: 1,
    seq: 5,
    role: 'owner',
  };
  return {
    ...board,
    columns: [column(100, p1), column(200, p2), column(300, p3)],
    tasks: [task(1, 100, p1), task(2, 100, p2), task(3, 100, p3)],
    members: [member(ME, 'owner'), member(OTHER)],
    labels: [],
    custom_fields: [],
    ...overrides,
  };
}

/** Builds events with consecutive seqs. */
export class EventFactory {
  constructor(public seq = 5) {}
  next(draft: EventDraft, actor = OTHER): BoardEvent {
    this.seq++;
    return {
      id: crypto.randomUUID(),
      board_id: BOARD_ID,
      seq: this.seq,
      actor,
      created_at: at,
      ...draft,
    } as BoardEvent;
  }
}

export function after(position: string): string {
  return rankBetween(position, null);
}

interface Call {
  method: keyof BoardTransport;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A transport whose calls wait until the test answers them. */
export class FakeTransport implements BoardTransport {
  readonly calls: Call[] = [];
  events: BoardEvent[] = [];

  private call<T>(method: keyof BoardTransport, args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.calls.push({ method, args, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** The oldest unanswered call (removed from the list). */
  take(method?: keyof BoardTransport): Call {
    const i = this.calls.findIndex((c) => method === undefined || c.method === method);
    if (i < 0) throw new Error(`no pending ${method ?? ''} call`);
    return this.calls.splice(i, 1)[0] as Call;
  }

  createTask = (input: unknown) => this.call<Task>('createTask', [input]);
  updateTask = (id: number, patch: unknown, ifMatch?: number) =>
    this.call<Task>('updateTask', [id, patch, ifMatch]);
  deleteTask = (id: number, keepalive: boolean) => this.call<void>('deleteTask', [id, keepalive]);
  tickTaskItem = (id: number, index: number, checked: boolean, ifMatch?: number) =>
    this.call<Task>('tickTaskItem', [id, index, checked, ifMatch]);
  createColumn = (boardId: number, input: unknown) =>
    this.call<Column>('createColumn', [boardId, input]);
  updateColumn = (boardId: number, columnId: number, patch: unknown, ifMatch?: number) =>
    this.call<Column>('updateColumn', [boardId, columnId, patch, ifMatch]);
  deleteColumn = (boardId: number, columnId: number, moveTo?: number) =>
    this.call<void>('deleteColumn', [boardId, columnId, moveTo]);
  updateBoard = (boardId: number, patch: unknown, ifMatch?: number) =>
    this.call<Board>('updateBoard', [boardId, patch, ifMatch]);
  /** Answers from `events` right away (the server's log). */
  listEvents = async (_boardId: number, after: number): Promise<EventPage> => {
    this.calls.push({ method: 'listEvents', args: [after], resolve: () => {}, reject: () => {} });
    this.calls.pop();
    const events = this.events.filter((e) => e.seq > after).slice(0, 2);
    const last = this.events[this.events.length - 1]?.seq ?? after;
    return {
      events,
      last_seq: last,
      has_more: (events[events.length - 1]?.seq ?? after) < last,
    };
  };
}

export function apiError(status: number, code: string, details?: unknown): ApiError {
  return new ApiError(status, code, code, details);
}

/** Lets queued promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}

/** Timers the test moves forward by hand. */
export class ManualScheduler {
  time = 0;
  private timers: { id: number; at: number; fn: () => void }[] = [];
  private nextId = 1;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ id, at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  now = (): number => this.time;
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = until;
  }
}
