import type { ArchivedList } from '@switchboard/core';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import type { Db } from './db.js';
import { toColumn, toTask } from './mappers.js';
import { taskExtras } from './task-select.js';

/** What archiving took off the board: archived columns, and archived cards, latest first. */
export async function listArchived(db: Db, actor: Actor, boardId: number): Promise<ArchivedList> {
  await accessBoard(db, boardId, actor, 'board.read');
  const [columns, tasks] = await Promise.all([
    db
      .selectFrom('columns')
      .selectAll()
      .where('board_id', '=', boardId)
      .where('archived_at', 'is not', null)
      .orderBy('archived_at', 'desc')
      .orderBy('id', 'desc')
      .execute(),
    db
      .selectFrom('tasks')
      .selectAll('tasks')
      .select(taskExtras)
      .where('tasks.board_id', '=', boardId)
      .where('tasks.archived_at', 'is not', null)
      .where('tasks.deleted_at', 'is', null)
      .orderBy('tasks.archived_at', 'desc')
      .orderBy('tasks.id', 'desc')
      .execute(),
  ]);
  return { columns: columns.map(toColumn), tasks: tasks.map(toTask) };
}
