import type { Attachment, AttachmentList, BoardEvent } from '@switchboard/core';

/**
 * A card's files as the dialog holds them: loaded over REST, then kept
 * current by the board's events. An upload's answer and its event may come
 * in either order; deletions leave a tombstone so a late answer does not
 * bring a file back.
 */
export interface AttachmentsState {
  taskId: number;
  list: readonly Attachment[];
  usage: AttachmentList['board_usage'] | null;
  loaded: boolean;
  gone: ReadonlySet<number>;
}

export type AttachmentsAction =
  | { type: 'loaded'; list: AttachmentList }
  | { type: 'added'; attachment: Attachment }
  | { type: 'removed'; id: number }
  | { type: 'event'; event: BoardEvent };

export function initialAttachments(taskId: number): AttachmentsState {
  return { taskId, list: [], usage: null, loaded: false, gone: new Set() };
}

function add(state: AttachmentsState, a: Attachment): AttachmentsState {
  if (a.task_id !== state.taskId || state.gone.has(a.id)) return state;
  if (state.list.some((x) => x.id === a.id)) return state;
  const list = [...state.list, a].sort((x, y) => x.id - y.id);
  const usage = state.usage ? { ...state.usage, bytes: state.usage.bytes + a.size } : null;
  return { ...state, list, usage };
}

function remove(state: AttachmentsState, id: number): AttachmentsState {
  const had = state.list.find((x) => x.id === id);
  const gone = new Set(state.gone).add(id);
  if (!had) return { ...state, gone };
  const usage = state.usage ? { ...state.usage, bytes: state.usage.bytes - had.size } : null;
  return { ...state, list: state.list.filter((x) => x.id !== id), usage, gone };
}

export function attachmentsReducer(
  state: AttachmentsState,
  action: AttachmentsAction,
): AttachmentsState {
  switch (action.type) {
    case 'loaded': {
      const list = action.list.attachments.filter((a) => !state.gone.has(a.id));
      return { ...state, list, usage: action.list.board_usage, loaded: true };
    }
    case 'added':
      return add(state, action.attachment);
    case 'removed':
      return remove(state, action.id);
    case 'event': {
      const e = action.event;
      if (e.type === 'attachment.created') return add(state, e.payload.attachment);
      if (e.type === 'attachment.deleted' && e.payload.task_id === state.taskId)
        return remove(state, e.payload.attachment_id);
      return state;
    }
  }
}
