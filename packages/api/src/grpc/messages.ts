import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Board, BoardDetail, Column, Task } from '@switchboard/core';
import {
  type Board as BoardMessage,
  BoardSchema,
  type Column as ColumnMessage,
  ColumnSchema,
  type Task as TaskMessage,
  TaskSchema,
} from '../gen/switchboard/v1/resources_pb.js';
import { type Task as SeedTask, TaskSchema as SeedTaskSchema } from '../gen/task/v1/task_pb.js';

/** Store results (REST's JSON shapes) as protobuf messages. */

function timestamp(iso: string) {
  return timestampFromDate(new Date(iso));
}

/** Seed 001's Task: the fields its contract has. */
export function seedTask(task: Task): SeedTask {
  return create(SeedTaskSchema, {
    id: BigInt(task.id),
    boardId: BigInt(task.board_id),
    title: task.title,
    description: task.description,
    completed: task.completed,
    createdBy: BigInt(task.created_by),
    createdAt: timestamp(task.created_at),
    updatedAt: timestamp(task.updated_at),
  });
}

export function taskMessage(task: Task): TaskMessage {
  return create(TaskSchema, {
    id: BigInt(task.id),
    boardId: BigInt(task.board_id),
    columnId: BigInt(task.column_id),
    title: task.title,
    description: task.description,
    completed: task.completed,
    position: task.position,
    createdBy: BigInt(task.created_by),
    createdAt: timestamp(task.created_at),
    updatedAt: timestamp(task.updated_at),
    version: BigInt(task.version),
    status: task.status,
  });
}

export function columnMessage(column: Column): ColumnMessage {
  return create(ColumnSchema, {
    id: BigInt(column.id),
    boardId: BigInt(column.board_id),
    title: column.title,
    position: column.position,
    ...(column.wip_limit !== null ? { wipLimit: column.wip_limit } : {}),
    createdAt: timestamp(column.created_at),
    updatedAt: timestamp(column.updated_at),
    version: BigInt(column.version),
  });
}

export function boardMessage(board: Board | BoardDetail): BoardMessage {
  return create(BoardSchema, {
    id: BigInt(board.id),
    title: board.title,
    archived: board.archived,
    createdBy: BigInt(board.created_by),
    createdAt: timestamp(board.created_at),
    updatedAt: timestamp(board.updated_at),
    version: BigInt(board.version),
    seq: BigInt(board.seq),
    role: board.role,
  });
}
