import {
  type AddMemberInput,
  type Member,
  type Role,
  sbError,
  type Task,
  type UpdateMemberInput,
} from '@switchboard/core';
import { sql } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { accessBoard } from './board-access.js';
import { type Tx, writeBoard, type WriteResult } from './board-write.js';
import type { Db } from './db.js';
import { toMember, toTask, type TaskWithExtras } from './mappers.js';
import { taskExtrasSql } from './task-select.js';

function membersQuery(db: Db | Tx, boardId: number) {
  return db
    .selectFrom('board_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.username', 'm.role', 'm.added_at'])
    .where('m.board_id', '=', boardId);
}

export async function listMembers(db: Db, actor: Actor, boardId: number): Promise<Member[]> {
  await accessBoard(db, boardId, actor, 'board.read');
  const rows = await membersQuery(db, boardId).orderBy('m.added_at').execute();
  return rows.map(toMember);
}

async function lockedMember(tx: Tx, boardId: number, userId: number) {
  const row = await membersQuery(tx, boardId).where('m.user_id', '=', userId).executeTakeFirst();
  if (!row) throw sbError('SB_ERR_NOT_FOUND', 'Member not found.', { user_id: userId });
  return row;
}

async function ensureAnotherOwner(tx: Tx, boardId: number, userId: number) {
  const other = await tx
    .selectFrom('board_members')
    .select('user_id')
    .where('board_id', '=', boardId)
    .where('role', '=', 'owner')
    .where('user_id', '!=', userId)
    .limit(1)
    .executeTakeFirst();
  if (!other) throw sbError('SB_ERR_LAST_OWNER', undefined, { user_id: userId });
}

export async function addMember(
  db: Db,
  actor: Actor,
  boardId: number,
  input: AddMemberInput,
): Promise<WriteResult<Member>> {
  return writeBoard(db, boardId, actor, 'member.manage', async ({ tx, emit }) => {
    const user = await tx
      .selectFrom('users')
      .select(['id', 'username'])
      .where(sql`lower(username)`, '=', input.username.toLowerCase())
      .where('password_hash', 'is not', null)
      .executeTakeFirst();
    if (!user) throw sbError('SB_ERR_UNKNOWN_USER', undefined, { username: input.username });
    const row = await tx
      .insertInto('board_members')
      .values({ board_id: boardId, user_id: user.id, role: input.role })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw sbError('SB_ERR_ALREADY_MEMBER', undefined, { user_id: user.id });
    const member = toMember({ ...row, username: user.username });
    emit({ type: 'member.added', payload: { member } });
    return member;
  });
}

export async function updateMember(
  db: Db,
  actor: Actor,
  boardId: number,
  userId: number,
  input: UpdateMemberInput,
): Promise<WriteResult<Member>> {
  return writeBoard(db, boardId, actor, 'member.manage', async ({ tx, emit }) => {
    const current = await lockedMember(tx, boardId, userId);
    if (current.role === input.role) return toMember(current);
    if (current.role === 'owner') await ensureAnotherOwner(tx, boardId, userId);
    await tx
      .updateTable('board_members')
      .set({ role: input.role as Role })
      .where('board_id', '=', boardId)
      .where('user_id', '=', userId)
      .execute();
    const member = toMember({ ...current, role: input.role });
    emit({ type: 'member.updated', payload: { member } });
    return member;
  });
}

/** Owners remove anyone; any member may remove themselves (leave the board). */
export async function removeMember(
  db: Db,
  actor: Actor,
  boardId: number,
  userId: number,
): Promise<WriteResult<{ member: Member; unassigned: Task[] }>> {
  const action = userId === actor.id ? 'board.read' : 'member.manage';
  return writeBoard(
    db,
    boardId,
    actor,
    action,
    async ({ tx, emit }) => {
      const current = await lockedMember(tx, boardId, userId);
      if (current.role === 'owner') await ensureAnotherOwner(tx, boardId, userId);
      await tx
        .deleteFrom('board_members')
        .where('board_id', '=', boardId)
        .where('user_id', '=', userId)
        .execute();
      // A former member cannot stay assigned: take them off every task, one event each.
      // Cards in the trash are left alone (a restore drops non-members then).
      const { rows } = await sql<TaskWithExtras & { old_assignee_ids: number[] }>`
        UPDATE tasks SET assignee_ids = array_remove(tasks.assignee_ids, ${userId}::bigint),
          version = tasks.version + 1, updated_at = now()
        FROM (SELECT id, assignee_ids FROM tasks
          WHERE board_id = ${boardId} AND ${userId}::bigint = ANY (assignee_ids)
            AND deleted_at IS NULL) AS old
        WHERE tasks.id = old.id
        RETURNING tasks.*, old.assignee_ids AS old_assignee_ids, ${taskExtrasSql}`.execute(tx);
      rows.sort((a, b) => a.id - b.id);
      const unassigned = rows.map(toTask);
      for (const [i, task] of unassigned.entries()) {
        const from = rows[i]!.old_assignee_ids.map(Number);
        emit({
          type: 'task.updated',
          payload: {
            task,
            changed: ['assignee_ids'],
            changes: { assignee_ids: { from, to: task.assignee_ids } },
          },
        });
      }
      const member = toMember(current);
      emit({ type: 'member.removed', payload: { member } });
      return { member, unassigned };
    },
    { allowArchived: userId === actor.id },
  );
}
