import type { BoardDetail, Task } from '@switchboard/core';
import type { SimClient } from './client.js';

export const actionWeights = {
  'view board': 30,
  'list tasks': 10,
  'create task': 20,
  'move task': 20,
  'complete task': 10,
  'delete task': 5,
  history: 5,
} as const;
export type ActionName = keyof typeof actionWeights;

/** Keeps a simulated board from growing without end. */
const maxTasks = 200;

/** One simulated person working on their own board. */
export class VirtualUser {
  private columns: number[] = [];
  private tasks = new Map<number, { column: number }>();
  private lastSeq = 0;
  private serial = 0;

  constructor(
    readonly name: string,
    readonly client: SimClient,
    readonly boardId: number,
    board: BoardDetail,
    private readonly random: () => number,
  ) {
    this.absorb(board);
  }

  private absorb(board: BoardDetail): void {
    this.columns = board.columns.map((c) => c.id);
    this.tasks = new Map(board.tasks.map((t) => [t.id, { column: t.column_id }]));
    this.lastSeq = Math.max(this.lastSeq, board.seq);
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.random() * items.length)];
  }

  async act(action: ActionName): Promise<void> {
    const c = this.client;
    const taskIds = [...this.tasks.keys()];
    if (action === 'create task' && this.tasks.size >= maxTasks) action = 'delete task';
    if (taskIds.length === 0 && ['move task', 'complete task', 'delete task'].includes(action))
      action = 'create task';
    switch (action) {
      case 'view board': {
        const res = await c.call(action, 'GET', `/api/boards/${this.boardId}`);
        if (res.status === 200) this.absorb(res.body as BoardDetail);
        return;
      }
      case 'list tasks':
        await c.call(action, 'GET', `/api/tasks?board_id=${this.boardId}&page_size=50`);
        return;
      case 'create task': {
        const column = this.pick(this.columns);
        const res = await c.call(action, 'POST', '/api/tasks', {
          board_id: this.boardId,
          title: `${this.name} task ${++this.serial}`,
          ...(column !== undefined ? { column_id: column } : {}),
        });
        if (res.status === 201) {
          const task = res.body as Task;
          this.tasks.set(task.id, { column: task.column_id });
        }
        return;
      }
      case 'move task': {
        const id = this.pick(taskIds)!;
        const column = this.pick(this.columns);
        // Half the moves name a neighbour believed to be in the target column (it may have moved: a 422 is a real answer).
        const neighbours = taskIds.filter((t) => t !== id && this.tasks.get(t)?.column === column);
        const before = this.random() < 0.5 ? this.pick(neighbours) : undefined;
        const res = await c.call(action, 'PATCH', `/api/tasks/${id}`, {
          column_id: column,
          ...(before !== undefined ? { before_id: before } : {}),
        });
        if (res.status === 200) this.tasks.set(id, { column: (res.body as Task).column_id });
        if (res.status === 404) this.tasks.delete(id);
        return;
      }
      case 'complete task': {
        const id = this.pick(taskIds)!;
        const res = await c.call(action, 'PATCH', `/api/tasks/${id}`, {
          completed: this.random() < 0.7,
        });
        if (res.status === 404) this.tasks.delete(id);
        return;
      }
      case 'delete task': {
        const id = this.pick(taskIds)!;
        const res = await c.call(action, 'DELETE', `/api/tasks/${id}`);
        if (res.status === 204 || res.status === 404) this.tasks.delete(id);
        return;
      }
      case 'history': {
        const after = Math.max(0, this.lastSeq - 20);
        await c.call(action, 'GET', `/api/boards/${this.boardId}/events?after=${after}&limit=50`);
        return;
      }
    }
  }
}
