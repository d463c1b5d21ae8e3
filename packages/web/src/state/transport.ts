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
import { api } from '../api/endpoints';

/** The calls a board store makes; the app passes the REST client, tests a fake. */
export interface BoardTransport {
  createTask(input: CreateTaskInput): Promise<Task>;
  updateTask(id: number, patch: UpdateTaskInput, ifMatch?: number): Promise<Task>;
  deleteTask(id: number, keepalive: boolean): Promise<void>;
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

export const restTransport: BoardTransport = {
  createTask: (input) => api.createTask(input),
  updateTask: (id, patch, ifMatch) => api.updateTask(id, patch, ifMatch),
  deleteTask: (id, keepalive) => api.deleteTask(id, keepalive),
  createColumn: (boardId, input) => api.createColumn(boardId, input),
  updateColumn: (boardId, columnId, patch, ifMatch) =>
    api.updateColumn(boardId, columnId, patch, ifMatch),
  deleteColumn: (boardId, columnId, moveTo) => api.deleteColumn(boardId, columnId, moveTo),
  updateBoard: (boardId, patch, ifMatch) => api.updateBoard(boardId, patch, ifMatch),
  listEvents: (boardId, after) => api.listEvents(boardId, after),
};
