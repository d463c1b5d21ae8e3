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

/** A thread of `count` comments on one card (Markdown of a realistic length), and its count. */
export async function seedComments(client: pg.Client, t: Thread): Promise<boolean> {
  const body =
    'Looked into this: the **login** form posts twice when the button is double-clicked.\n\n' +
    '- [x] reproduce\n- [ ] fix the handler\n\nSee `auth/form.tsx` — @bench';
  await client.query(
    `INSERT INTO comments (task_id, board_id, author_id, body)
     SELECT $1, $2, $3, $4 || ' #' || n FROM generate_series(1, $5) AS n`,
    [t.taskId, t.boardId, t.userId, body, t.count],
  );
  await client.query(`UPDATE tasks SET comment_count = $2 WHERE id = $1`, [t.taskId, t.count]);
  return true;
}

/**
 * What the issue's cards show on the board: on every third card two labels,
 * two custom-field values, a comment count and checklist progress.
 */
export async function seedCardChips(client: pg.Client, boardId: number): Promise<void> {
  const { rows: labels } = await client.query<{ id: string }>(
    `INSERT INTO labels (board_id, name, color)
     SELECT $1, name, 'blue' FROM unnest($2::text[]) AS l (name) RETURNING id`,
    [boardId, ['bug', 'feature', 'infra', 'docs', 'design', 'perf']],
  );
  const { rows: fields } = await client.query<{ id: string }>(
    `INSERT INTO custom_fields (board_id, name, type) VALUES ($1, 'Points', 'number'), ($1, 'Team', 'text')
     RETURNING id`,
    [boardId],
  );
  const ids = labels.map((l) => Number(l.id));
  await client.query(
    `UPDATE tasks SET
       label_ids = ARRAY[($2::bigint[])[1 + id % 6], ($2::bigint[])[1 + (id + 2) % 6]],
       custom_fields = jsonb_build_object($3::text, id % 13, $4::text, 'team ' || id % 4),
       comment_count = id % 7, checklist_done = id % 3, checklist_total = 5
     WHERE board_id = $1 AND id % 3 = 0`,
    [boardId, ids, fields[0]!.id, fields[1]!.id],
  );
}
