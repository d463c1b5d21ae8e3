import type {
  Board,
  Column,
  CreateColumnInput,
  CreateTaskInput,
  EventPage,
  Task,
  UpdateBoardInput,
  UpdateColumnInput,
  UpdateTaskInput,
} from '@switchboard/core';

/** The calls a board store makes; the app passes its REST client (`Api`), tests a fake. */
export interface BoardTransport {
  createTask(input: CreateTaskInput): Promise<Task>;
  updateTask(id: number, patch: UpdateTaskInput, ifMatch?: number): Promise<Task>;
  deleteTask(id: number, keepalive: boolean): Promise<void>;
  tickTaskItem(id: number, index: number, checked: boolean, ifMatch?: number): Promise<Task>;
  createColumn(boardId: number, input: CreateColumnInput): Promise<Column>;
  updateColumn(
    boardId: number,
    columnId: number,
    patch: UpdateColumnInput,
    ifMatch?: number,
  ): Promise<Column>;
  deleteColumn(boardId: number, columnId: number, moveTo?: number): Promise<void>;
  updateBoard(boardId: number, patch: UpdateBoardInput, ifMatch?: number): Promise<Board>;
  listEvents(boardId: number, after: number): Promise<EventPage>;
}
