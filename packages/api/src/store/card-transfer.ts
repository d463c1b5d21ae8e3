import {
  type BoardEvent,
  hasPlacement,
  labelNamesToCarry,
  mapFieldValues,
  rankBetween,
  sbError,
  type Task,
  type TransferTaskInput,
} from '@switchboard/core';
import type { FileStore } from '../attachments/file-store.js';
import type { Actor } from '../auth/actor.js';
import { attachmentBytes, checkBoardQuota } from './attachment-quota.js';
import { accessBoard } from './board-access.js';
import { type Tx, type WriteContext, writeBoardIn, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { toCustomField, toTask } from './mappers.js';
import { placeAmongSiblings } from './placement.js';
import { targetColumn } from './target-column.js';
import { resolveLabelIds } from './task-inputs.js';
import { findTask, taskExtras } from './task-select.js';
import { boardOfTask } from './tasks.js';

type SourceTask = NonNullable<Awaited<ReturnType<typeof findTask>>>;

/**
 * Copies a card — to its own board (a duplicate) or another one the actor
 * may write to — with its checklists and (unless asked not to) its comments.
 * Labels are carried by name (created on the target when missing), custom
 * field values by field name and type, assignees who are members there.
 * One transaction: the target board's write unit, the source only read.
 */
export async function copyTask(
  db: Db,
  actor: Actor,
  taskId: number,
  input: TransferTaskInput,
  quotaBytes: number,
  files: FileStore,
): Promise<WriteResult<Task>> {
  return onCurrentBoard(
    (sourceBoard) => copyFrom(db, actor, taskId, sourceBoard, input, quotaBytes, files),
    db,
    taskId,
  );
}

function copyFrom(
  db: Db,
  actor: Actor,
  taskId: number,
  sourceBoard: number,
  input: TransferTaskInput,
  quotaBytes: number,
  files: FileStore,
): Promise<WriteResult<Task>> {
  return db.transaction().execute(async (tx) => {
    const from = await accessBoard(tx, sourceBoard, actor, 'board.read');
    return writeBoardIn(tx, input.board_id, actor, 'task.write', async (ctx) => {
      const source = await sourceTask(tx, taskId, sourceBoard);
      const task = await placeCopy(ctx, source, input);
      const comments = input.keep_comments === false ? 0 : await copyComments(tx, source, task);
      const checklists = await copyChecklists(tx, source, task);
      const carried = await copyAttachments(tx, source, task, quotaBytes, files);
      const row = await tx
        .updateTable('tasks')
        .set({
          comment_count: comments,
          checklist_done: checklists.done,
          checklist_total: checklists.total,
          attachment_count: carried.count,
          cover_attachment_id: carried.cover,
          cover_removed: source.cover_removed,
        })
        .where('id', '=', task.id)
        .returningAll()
        .returning(taskExtras)
        .executeTakeFirstOrThrow();
      const copied = toTask(row);
      ctx.emit({
        type: 'task.created',
        payload: {
          task: copied,
          from_board: { id: sourceBoard, title: from.board.title, task_id: taskId, copied: true },
        },
      });
      return copied;
    });
  });
}

/**
 * Moves a card to another board: the same card (same id, comments,
 * checklists, history links), gone from its board (`task.moved_out`) and
 * new on the other (`task.created` with `from_board`). Both boards are
 * written in one transaction, locked in id order so two moves in opposite
 * directions cannot deadlock.
 */
export async function moveTaskToBoard(
  db: Db,
  actor: Actor,
  taskId: number,
  input: TransferTaskInput,
  quotaBytes: number,
): Promise<WriteResult<Task>> {
  return onCurrentBoard(
    (sourceBoard) => moveFrom(db, actor, taskId, sourceBoard, input, quotaBytes),
    db,
    taskId,
  );
}

function moveFrom(
  db: Db,
  actor: Actor,
  taskId: number,
  sourceBoard: number,
  input: TransferTaskInput,
  quotaBytes: number,
): Promise<WriteResult<Task>> {
  const targetBoard = input.board_id;
  if (sourceBoard === targetBoard) {
    throw sbError('SB_ERR_VALIDATION', 'The card is on that board already; move it by column.', {
      issues: [{ path: 'body.board_id', message: 'is the board the card is on' }],
    });
  }
  return db.transaction().execute(async (tx) => {
    // Both boards locked, the lower id first, so two moves in opposite directions
    // cannot deadlock; each write unit below takes its lock again (already held).
    const [first, second] =
      sourceBoard < targetBoard ? [sourceBoard, targetBoard] : [targetBoard, sourceBoard];
    const access = new Map<number, Awaited<ReturnType<typeof accessBoard>>>();
    for (const id of [first, second]) {
      access.set(id, await accessBoard(tx, id, actor, 'task.write', { lock: true }));
    }
    const source = await sourceTask(tx, taskId, sourceBoard);
    const fromTitle = access.get(sourceBoard)!.board.title;
    const toTitle = access.get(targetBoard)!.board.title;
    const arrived = await writeBoardIn(tx, targetBoard, actor, 'task.write', async (ctx) => {
      const adding = await attachmentBytes(tx, { taskId: source.id });
      await checkBoardQuota(tx, targetBoard, adding, quotaBytes);
      const task = await relocate(ctx, source, input);
      ctx.emit({
        type: 'task.created',
        payload: {
          task,
          from_board: { id: sourceBoard, title: fromTitle, task_id: taskId, copied: false },
        },
      });
      return task;
    });
    const left = await writeBoardIn(tx, sourceBoard, actor, 'task.write', async (ctx) => {
      ctx.emit({
        type: 'task.moved_out',
        payload: { task: toTask(source), to_board: { id: targetBoard, title: toTitle } },
      });
    });
    const events: BoardEvent[] = [...left.events, ...arrived.events];
    return { result: arrived.result, events };
  });
}

/** The card moved to another board between looking up its board and locking it. */
class MovedMeanwhile extends Error {}

async function sourceTask(tx: Tx, taskId: number, boardId: number): Promise<SourceTask> {
  const source = await findTask(tx, taskId);
  if (!source) throw sbError('SB_ERR_NOT_FOUND', 'Task not found.', { task_id: taskId });
  if (source.board_id !== boardId) throw new MovedMeanwhile();
  return source;
}

/** Runs a transfer again (a few times) when the card changed boards under it. */
async function onCurrentBoard<T>(run: (boardId: number) => Promise<T>, db: Db, taskId: number) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(await boardOfTask(db, taskId));
    } catch (err) {
      if (!(err instanceof MovedMeanwhile) || attempt >= 5) throw err;
    }
  }
}

/** Column, place, labels, field values and assignees of the card on the target board. */
async function landing(ctx: WriteContext, source: SourceTask, input: TransferTaskInput) {
  const { tx, board } = ctx;
  const column = await targetColumn(tx, board.id, {
    columnId: input.column_id,
    status: input.status,
  });
  const position = hasPlacement(input)
    ? await placeAmongSiblings(
        tx,
        { table: 'tasks', parentColumn: 'column_id', parentId: column.id },
        input,
      )
    : rankBetween(column.last_position, null);
  const sameBoard = source.board_id === board.id;
  const labelIds = sameBoard
    ? source.label_ids
    : ((await resolveLabelIds(ctx, board.id, {
        labels: labelNamesToCarry(source.label_names),
      })) ?? []);
  let fields = source.custom_fields;
  if (!sameBoard) {
    const [fromFields, toFields] = await Promise.all(
      [source.board_id, board.id].map((id) =>
        tx.selectFrom('custom_fields').selectAll().where('board_id', '=', id).execute(),
      ),
    );
    fields = mapFieldValues(
      source.custom_fields,
      fromFields!.map(toCustomField),
      toFields!.map(toCustomField),
    );
  }
  let assignees = source.assignee_ids;
  if (!sameBoard && !ctx.actor.sharedAccess && assignees.length > 0) {
    const members = await tx
      .selectFrom('board_members')
      .select('user_id')
      .where('board_id', '=', board.id)
      .where('user_id', 'in', assignees)
      .execute();
    const kept = new Set(members.map((m) => m.user_id));
    assignees = assignees.filter((id) => kept.has(id));
  }
  return { column, position, labelIds, fields, assignees };
}

async function placeCopy(
  ctx: WriteContext,
  source: SourceTask,
  input: TransferTaskInput,
): Promise<Task> {
  const at = await landing(ctx, source, input);
  const row = await ctx.tx
    .insertInto('tasks')
    .values({
      board_id: ctx.board.id,
      column_id: at.column.id,
      title: input.title ?? source.title,
      description: source.description,
      completed: source.completed,
      position: at.position,
      assignee_ids: at.assignees,
      label_ids: at.labelIds,
      due_at: source.due_at,
      due_date: source.due_date,
      due_time: source.due_time,
      due_tz: source.due_tz,
      start_date: source.start_date,
      custom_fields: JSON.stringify(at.fields),
      created_by: ctx.actor.id,
    })
    .returningAll()
    .returning(taskExtras)
    .executeTakeFirstOrThrow();
  return toTask(row);
}

async function relocate(
  ctx: WriteContext,
  source: SourceTask,
  input: TransferTaskInput,
): Promise<Task> {
  const { tx, board } = ctx;
  const at = await landing(ctx, source, input);
  // Its comments and checklists go with it; their board is kept on each row for access.
  await Promise.all(
    (['comments', 'checklists', 'checklist_items', 'attachments'] as const).map((table) =>
      tx.updateTable(table).set({ board_id: board.id }).where('task_id', '=', source.id).execute(),
    ),
  );
  const row = await tx
    .updateTable('tasks')
    .set((eb) => ({
      board_id: board.id,
      column_id: at.column.id,
      position: at.position,
      label_ids: at.labelIds,
      assignee_ids: at.assignees,
      custom_fields: JSON.stringify(at.fields),
      archived_at: null,
      updated_at: new Date(),
      version: eb('version', '+', 1),
    }))
    .where('id', '=', source.id)
    .returningAll()
    .returning(taskExtras)
    .executeTakeFirstOrThrow();
  return toTask(row);
}

async function copyComments(tx: Tx, source: SourceTask, task: Task): Promise<number> {
  const rows = await tx
    .selectFrom('comments')
    .select(['author_id', 'body', 'mention_ids', 'created_at', 'edited_at'])
    .where('task_id', '=', source.id)
    .orderBy('id')
    .execute();
  if (rows.length === 0) return 0;
  await tx
    .insertInto('comments')
    .values(
      rows.map((c) => ({
        task_id: task.id,
        board_id: task.board_id,
        author_id: c.author_id,
        body: c.body,
        mention_ids: c.mention_ids,
        created_at: c.created_at,
        edited_at: c.edited_at,
      })),
    )
    .execute();
  return rows.length;
}

async function copyChecklists(
  tx: Tx,
  source: SourceTask,
  task: Task,
): Promise<{ done: number; total: number }> {
  const lists = await tx
    .selectFrom('checklists')
    .select(['id', 'title', 'position'])
    .where('task_id', '=', source.id)
    .orderBy('position')
    .execute();
  let done = 0;
  let total = 0;
  for (const list of lists) {
    const copy = await tx
      .insertInto('checklists')
      .values({
        task_id: task.id,
        board_id: task.board_id,
        title: list.title,
        position: list.position,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const items = await tx
      .selectFrom('checklist_items')
      .select(['title', 'done', 'position', 'done_by', 'done_at'])
      .where('checklist_id', '=', list.id)
      .execute();
    if (items.length === 0) continue;
    await tx
      .insertInto('checklist_items')
      .values(
        items.map((i) => ({
          checklist_id: copy.id,
          task_id: task.id,
          board_id: task.board_id,
          title: i.title,
          done: i.done,
          position: i.position,
          done_by: i.done_by,
          done_at: i.done_at,
        })),
      )
      .execute();
    total += items.length;
    done += items.filter((i) => i.done).length;
  }
  return { done, total };
}

/**
 * A copy's files: new rows with the same bytes, copied inside the database
 * (chunk rows to chunk rows, nothing through this process). The cover
 * follows its file.
 */
async function copyAttachments(
  tx: Tx,
  source: SourceTask,
  task: Task,
  quota: number,
  store: FileStore,
): Promise<{ count: number; cover: number | null }> {
  const files = await tx
    .selectFrom('attachments')
    .select([
      'id',
      'name',
      'content_type',
      'size',
      'sha256',
      'chunk_size',
      'width',
      'height',
      'thumbnail',
      'uploaded_by',
      'created_at',
      'storage',
      'storage_key',
    ])
    .where('task_id', '=', source.id)
    .where('complete', '=', true)
    .orderBy('id')
    .execute();
  await checkBoardQuota(
    tx,
    task.board_id,
    files.reduce((n, f) => n + Number(f.size), 0),
    quota,
  );
  let cover: number | null = null;
  for (const file of files) {
    const { id: oldId, ...rest } = file;
    const copy = await tx
      .insertInto('attachments')
      .values({ ...rest, board_id: task.board_id, task_id: task.id, complete: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The store copies the bytes: chunk rows inside this transaction, or an object
    // in the bucket (whose key the new row takes).
    const key = await store.copy({ ...file, id: oldId }, copy.id, tx);
    if (key !== null) {
      await tx
        .updateTable('attachments')
        .set({ storage_key: key })
        .where('id', '=', copy.id)
        .execute();
    }
    if (source.cover_attachment_id === oldId) cover = copy.id;
  }
  return { count: files.length, cover };
}
