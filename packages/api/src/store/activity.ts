import {
  type ActivityEntry,
  type ActivityPage,
  type BoardEvent,
  describeEvent,
  eventTaskId,
  limits,
} from '@switchboard/core';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import type { Db } from './db.js';
import { toCustomField, toEvent } from './mappers.js';
import { boardOfTask } from './tasks.js';

/**
 * The board's activity and a card's history: the event log read backwards,
 * each event in human words (describeEvent, shared with the web app) with
 * the fields it changed, before → after.
 */
export async function boardActivity(
  db: Db,
  actor: Actor,
  boardId: number,
  beforeSeq: number | undefined,
  limit: number = limits.activityPageDefault,
): Promise<ActivityPage> {
  await accessBoard(db, boardId, actor, 'board.read');
  let query = db
    .selectFrom('board_events')
    .selectAll()
    .where('board_id', '=', boardId)
    .orderBy('seq', 'desc')
    .limit(limit + 1);
  if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
  return describePage(db, boardId, (await query.execute()).map(toEvent), limit);
}

export async function taskHistory(
  db: Db,
  actor: Actor,
  taskId: number,
  beforeSeq: number | undefined,
  limit: number = limits.activityPageDefault,
): Promise<ActivityPage> {
  const boardId = await boardOfTask(db, taskId);
  await accessBoard(db, boardId, actor, 'board.read');
  let query = db
    .selectFrom('board_events')
    .selectAll()
    .where('task_id', '=', taskId)
    .where('board_id', '=', boardId)
    .orderBy('seq', 'desc')
    .limit(limit + 1);
  if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
  return describePage(db, boardId, (await query.execute()).map(toEvent), limit);
}

/** Ids of users an event names (actor, assignees, authors), for one lookup per page. */
function userIds(event: BoardEvent): number[] {
  const ids = [event.actor];
  const p = event.payload as {
    comment?: { author_id: number };
    author_id?: number;
    changes?: { assignee_ids?: { from: unknown; to: unknown } };
  };
  if (p.comment) ids.push(p.comment.author_id);
  if (p.author_id !== undefined) ids.push(p.author_id);
  const assignees = p.changes?.assignee_ids;
  if (assignees) {
    for (const side of [assignees.from, assignees.to]) {
      if (Array.isArray(side)) ids.push(...side.filter((v): v is number => typeof v === 'number'));
    }
  }
  return ids;
}

async function describePage(
  db: Db,
  boardId: number,
  rows: BoardEvent[],
  limit: number,
): Promise<ActivityPage> {
  const events = rows.slice(0, limit);
  const users = [...new Set(events.flatMap(userIds))];
  const tasks = [...new Set(events.map(eventTaskId).filter((id): id is number => id !== null))];
  const [names, titles, fields] = await Promise.all([
    users.length
      ? db.selectFrom('users').select(['id', 'username']).where('id', 'in', users).execute()
      : [],
    tasks.length
      ? db.selectFrom('tasks').select(['id', 'title']).where('id', 'in', tasks).execute()
      : [],
    db.selectFrom('custom_fields').selectAll().where('board_id', '=', boardId).execute(),
  ]);
  const username = new Map(names.map((u) => [u.id, u.username]));
  const title = new Map(titles.map((t) => [t.id, t.title]));
  const field = new Map(fields.map((f) => [f.id, toCustomField(f)]));
  const lookups = {
    username: (id: number) => username.get(id),
    taskTitle: (id: number) => title.get(id),
    customField: (id: number) => field.get(id),
  };
  const entries: ActivityEntry[] = events.map((event) => {
    const { text, changes } = describeEvent(event, lookups);
    return {
      seq: event.seq,
      event_id: event.id,
      type: event.type,
      created_at: event.created_at,
      actor: { id: event.actor, username: username.get(event.actor) ?? null },
      task_id: eventTaskId(event),
      text,
      changes,
    };
  });
  return {
    entries,
    next_before_seq: rows.length > limit ? events.at(-1)!.seq : null,
  };
}
