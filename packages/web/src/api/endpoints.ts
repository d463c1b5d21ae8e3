import type {
  ActivityPage,
  AddMemberInput,
  ArchivedList,
  ChecklistItem,
  ChecklistWithItems,
  Comment,
  CommentPage,
  CreateChecklistInput,
  CreateChecklistItemInput,
  CreateCustomFieldInput,
  CreateLabelInput,
  CustomField,
  Label,
  TrashEntry,
  TransferTaskInput,
  AttachmentList,
  UpdateChecklistInput,
  UpdateChecklistItemInput,
  UpdateCustomFieldInput,
  UpdateLabelInput,
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
  UnsplashSearchResult,
  UnsplashStatus,
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
  unsplashStatus: () => request<UnsplashStatus>('/api/unsplash'),
  searchUnsplash: (query: string, page = 1) =>
    request<UnsplashSearchResult>(
      `/api/unsplash/search?${new URLSearchParams({ query, page: String(page) }).toString()}`,
    ),

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

  tickTaskItem: (id: number, index: number, checked: boolean, ifMatch?: number) =>
    request<Task>(`/api/tasks/${id}/task-items/${index}`, {
      method: 'PUT',
      body: { checked },
      ifMatch,
    }),

  listComments: (taskId: number, cursor?: string | null, limit = 50) =>
    request<CommentPage>(
      `/api/tasks/${taskId}/comments?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ),
  createComment: (taskId: number, body: string) =>
    request<Comment>(`/api/tasks/${taskId}/comments`, { method: 'POST', body: { body } }),
  updateComment: (id: number, body: string, ifMatch?: number) =>
    request<Comment>(`/api/comments/${id}`, { method: 'PATCH', body: { body }, ifMatch }),
  deleteComment: (id: number) => request<void>(`/api/comments/${id}`, { method: 'DELETE' }),
  tickCommentItem: (id: number, index: number, checked: boolean) =>
    request<Comment>(`/api/comments/${id}/task-items/${index}`, {
      method: 'PUT',
      body: { checked },
    }),

  listChecklists: (taskId: number) =>
    request<{ checklists: ChecklistWithItems[] }>(`/api/tasks/${taskId}/checklists`),
  createChecklist: (taskId: number, body: CreateChecklistInput) =>
    request<ChecklistWithItems>(`/api/tasks/${taskId}/checklists`, { method: 'POST', body }),
  updateChecklist: (id: number, body: UpdateChecklistInput) =>
    request<ChecklistWithItems>(`/api/checklists/${id}`, { method: 'PATCH', body }),
  deleteChecklist: (id: number) => request<void>(`/api/checklists/${id}`, { method: 'DELETE' }),
  createChecklistItem: (checklistId: number, body: CreateChecklistItemInput) =>
    request<ChecklistItem>(`/api/checklists/${checklistId}/items`, { method: 'POST', body }),
  updateChecklistItem: (id: number, body: UpdateChecklistItemInput, ifMatch?: number) =>
    request<ChecklistItem>(`/api/checklist-items/${id}`, { method: 'PATCH', body, ifMatch }),
  deleteChecklistItem: (id: number) =>
    request<void>(`/api/checklist-items/${id}`, { method: 'DELETE' }),
  convertChecklistItem: (id: number) =>
    request<Task>(`/api/checklist-items/${id}/convert`, { method: 'POST', body: {} }),
  listAttachments: (taskId: number) => request<AttachmentList>(`/api/tasks/${taskId}/attachments`),
  deleteAttachment: (id: number) => request<void>(`/api/attachments/${id}`, { method: 'DELETE' }),
  copyTask: (id: number, body: TransferTaskInput) =>
    request<Task>(`/api/tasks/${id}/copy`, { method: 'POST', body }),
  moveTaskToBoard: (id: number, body: TransferTaskInput) =>
    request<Task>(`/api/tasks/${id}/move`, { method: 'POST', body }),

  boardActivity: (boardId: number, beforeSeq?: number | null, limit = 50) =>
    request<ActivityPage>(
      `/api/boards/${boardId}/activity?limit=${limit}${beforeSeq ? `&before_seq=${beforeSeq}` : ''}`,
    ),
  taskHistory: (taskId: number, beforeSeq?: number | null, limit = 50) =>
    request<ActivityPage>(
      `/api/tasks/${taskId}/history?limit=${limit}${beforeSeq ? `&before_seq=${beforeSeq}` : ''}`,
    ),

  listArchived: (boardId: number) => request<ArchivedList>(`/api/boards/${boardId}/archived`),
  unarchiveTask: (id: number) =>
    request<Task>(`/api/tasks/${id}`, { method: 'PATCH', body: { archived: false } }),
  listTrash: (boardId: number) =>
    request<{ entries: TrashEntry[] }>(`/api/boards/${boardId}/trash`),
  restoreFromTrash: (boardId: number, taskId: number) =>
    request<Task>(`/api/boards/${boardId}/trash/${taskId}/restore`, { method: 'POST' }),
  deleteForever: (boardId: number, taskId: number) =>
    request<void>(`/api/boards/${boardId}/trash/${taskId}`, { method: 'DELETE' }),
  emptyTrash: (boardId: number) =>
    request<{ purged: number }>(`/api/boards/${boardId}/trash`, { method: 'DELETE' }),

  createLabel: (boardId: number, body: CreateLabelInput) =>
    request<Label>(`/api/boards/${boardId}/labels`, { method: 'POST', body }),
  updateLabel: (boardId: number, labelId: number, body: UpdateLabelInput) =>
    request<Label>(`/api/boards/${boardId}/labels/${labelId}`, { method: 'PATCH', body }),
  deleteLabel: (boardId: number, labelId: number) =>
    request<void>(`/api/boards/${boardId}/labels/${labelId}`, { method: 'DELETE' }),

  createCustomField: (boardId: number, body: CreateCustomFieldInput) =>
    request<CustomField>(`/api/boards/${boardId}/custom-fields`, { method: 'POST', body }),
  updateCustomField: (boardId: number, fieldId: number, body: UpdateCustomFieldInput) =>
    request<CustomField>(`/api/boards/${boardId}/custom-fields/${fieldId}`, {
      method: 'PATCH',
      body,
    }),
  deleteCustomField: (boardId: number, fieldId: number) =>
    request<void>(`/api/boards/${boardId}/custom-fields/${fieldId}`, { method: 'DELETE' }),

  listEvents: (boardId: number, after: number, limit = 1000) =>
    request<EventPage>(`/api/boards/${boardId}/events?after=${after}&limit=${limit}`),
});

export type Api = ReturnType<typeof createApi>;
