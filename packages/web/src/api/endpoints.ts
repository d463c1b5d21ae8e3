import type {
  AddMemberInput,
  AuthResult,
  Board,
  BoardDetail,
  Column,
  CreateBoardInput,
  CreateColumnInput,
  CreateTaskInput,
  Credentials,
  EventPage,
  Member,
  SessionInfo,
  Task,
  UpdateBoardInput,
  UpdateColumnInput,
  UpdateMemberInput,
  UpdateTaskInput,
} from '@switchboard/core';
import type { Request } from './http';

/** The REST API, one function per route (shapes from @switchboard/core). */
export const createApi = (request: Request) => ({
  /** Who is signed in, if anyone: 200 either way (no 401 for the browser to log). */
  session: () => request<SessionInfo>('/api/auth/session'),
  register: (body: Credentials) =>
    request<AuthResult>('/api/auth/register', { method: 'POST', body }),
  login: (body: Credentials) => request<AuthResult>('/api/auth/login', { method: 'POST', body }),
  logout: () => request<void>('/api/auth/logout', { method: 'POST' }),

  listBoards: (archived: 'true' | 'false' | 'all' = 'false') =>
    request<{ boards: Board[] }>(`/api/boards?archived=${archived}`),
  createBoard: (body: CreateBoardInput) =>
    request<BoardDetail>('/api/boards', { method: 'POST', body }),
  getBoard: (id: number, onResponse?: (response: Response) => void) =>
    request<BoardDetail>(`/api/boards/${id}`, onResponse ? { onResponse } : {}),
  updateBoard: (id: number, body: UpdateBoardInput, ifMatch?: number) =>
    request<Board>(`/api/boards/${id}`, { method: 'PATCH', body, ifMatch }),
  deleteBoard: (id: number) => request<void>(`/api/boards/${id}`, { method: 'DELETE' }),

  createColumn: (boardId: number, body: CreateColumnInput) =>
    request<Column>(`/api/boards/${boardId}/columns`, { method: 'POST', body }),
  updateColumn: (boardId: number, columnId: number, body: UpdateColumnInput, ifMatch?: number) =>
    request<Column>(`/api/boards/${boardId}/columns/${columnId}`, {
      method: 'PATCH',
      body,
      ifMatch,
    }),
  deleteColumn: (boardId: number, columnId: number, moveTo?: number) =>
    request<void>(
      `/api/boards/${boardId}/columns/${columnId}${moveTo !== undefined ? `?move_to=${moveTo}` : ''}`,
      { method: 'DELETE' },
    ),

  addMember: (boardId: number, body: AddMemberInput) =>
    request<Member>(`/api/boards/${boardId}/members`, { method: 'POST', body }),
  updateMember: (boardId: number, userId: number, body: UpdateMemberInput) =>
    request<Member>(`/api/boards/${boardId}/members/${userId}`, { method: 'PATCH', body }),
  removeMember: (boardId: number, userId: number) =>
    request<void>(`/api/boards/${boardId}/members/${userId}`, { method: 'DELETE' }),

  createTask: (body: CreateTaskInput) => request<Task>('/api/tasks', { method: 'POST', body }),
  updateTask: (id: number, body: UpdateTaskInput, ifMatch?: number) =>
    request<Task>(`/api/tasks/${id}`, { method: 'PATCH', body, ifMatch }),
  deleteTask: (id: number, keepalive = false) =>
    request<void>(`/api/tasks/${id}`, { method: 'DELETE', keepalive }),

  listEvents: (boardId: number, after: number, limit = 1000) =>
    request<EventPage>(`/api/boards/${boardId}/events?after=${after}&limit=${limit}`),
});

export type Api = ReturnType<typeof createApi>;
