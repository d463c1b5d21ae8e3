import {
  type BoardEvent,
  type ChecklistItem,
  type ChecklistWithItems,
  compareRanks,
} from '@switchboard/core';

/**
 * A card's checklists as the dialog holds them. Like comments: upserts by id
 * keep the higher version and deletions leave tombstones, so a write's answer
 * and its event apply once whichever comes first. A tick shows at once
 * (`optimistic`) and stays until an answer or event of a newer version.
 */
export interface ChecklistsState {
  taskId: number;
  lists: readonly ChecklistWithItems[];
  loaded: boolean;
  goneLists: ReadonlySet<number>;
  goneItems: ReadonlySet<number>;
}

export type ChecklistsAction =
  | { type: 'loaded'; lists: readonly ChecklistWithItems[] }
  | { type: 'list'; list: ChecklistWithItems | Omit<ChecklistWithItems, 'items'> }
  | { type: 'listRemoved'; id: number }
  /** `force`: the server's item even at the same version (undoes a refused optimistic tick). */
  | { type: 'item'; item: ChecklistItem; force?: boolean }
  | { type: 'itemRemoved'; id: number }
  /** Shown before the server answers; an answer or event with a newer version replaces it. */
  | {
      type: 'optimistic';
      itemId: number;
      patch: Partial<Pick<ChecklistItem, 'done' | 'title' | 'position'>>;
    }
  | { type: 'event'; event: BoardEvent };

export function initialChecklists(taskId: number): ChecklistsState {
  return { taskId, lists: [], loaded: false, goneLists: new Set(), goneItems: new Set() };
}

const byPosition = <T extends { position: string; id: number }>(a: T, b: T) =>
  compareRanks(a.position, b.position) || a.id - b.id;

function putList(
  state: ChecklistsState,
  list: ChecklistWithItems | Omit<ChecklistWithItems, 'items'>,
): ChecklistsState {
  if (list.task_id !== state.taskId || state.goneLists.has(list.id)) return state;
  const current = state.lists.find((l) => l.id === list.id);
  if (current && current.version > list.version) return state;
  const items =
    'items' in list
      ? list.items.filter((i) => !state.goneItems.has(i.id)).sort(byPosition)
      : (current?.items ?? []);
  const next = { ...list, items };
  const lists = current
    ? state.lists.map((l) => (l.id === list.id ? next : l))
    : [...state.lists, next];
  return { ...state, lists: [...lists].sort(byPosition) };
}

function putItem(state: ChecklistsState, item: ChecklistItem, force = false): ChecklistsState {
  if (item.task_id !== state.taskId || state.goneItems.has(item.id)) return state;
  let existing: ChecklistItem | undefined;
  for (const l of state.lists) existing ??= l.items.find((i) => i.id === item.id);
  if (existing && existing.version >= item.version && !force) return state;
  const lists = state.lists.map((l) => {
    const without = l.items.filter((i) => i.id !== item.id);
    if (l.id !== item.checklist_id) {
      return without.length === l.items.length ? l : { ...l, items: without };
    }
    return { ...l, items: [...without, item].sort(byPosition) };
  });
  return { ...state, lists };
}

/** An optimistic item carries this mark until the server's version replaces it. */
const OPTIMISTIC = Symbol('optimistic');
function isOptimistic(item: ChecklistItem): boolean {
  return (item as ChecklistItem & { [OPTIMISTIC]?: true })[OPTIMISTIC] === true;
}

export function isPending(item: ChecklistItem): boolean {
  return isOptimistic(item);
}

function findItem(state: ChecklistsState, id: number): ChecklistItem | undefined {
  for (const l of state.lists) {
    const item = l.items.find((i) => i.id === id);
    if (item) return item;
  }
  return undefined;
}

function removeItem(state: ChecklistsState, id: number): ChecklistsState {
  const goneItems = new Set(state.goneItems).add(id);
  const lists = state.lists.map((l) =>
    l.items.some((i) => i.id === id) ? { ...l, items: l.items.filter((i) => i.id !== id) } : l,
  );
  return { ...state, lists, goneItems };
}

export function checklistsReducer(
  state: ChecklistsState,
  action: ChecklistsAction,
): ChecklistsState {
  switch (action.type) {
    case 'loaded': {
      let next: ChecklistsState = { ...state, loaded: true };
      for (const list of action.lists) next = putList(next, list);
      // Items the load holds at a newer version than what we had (e.g. an event missed).
      // A reload after a refused tick puts the server's item back over the optimistic one.
      for (const list of action.lists) {
        for (const item of list.items) {
          const shown = findItem(next, item.id);
          next = putItem(next, item, shown !== undefined && isOptimistic(shown));
        }
      }
      return next;
    }
    case 'list':
      return putList(state, action.list);
    case 'listRemoved':
      return {
        ...state,
        lists: state.lists.filter((l) => l.id !== action.id),
        goneLists: new Set(state.goneLists).add(action.id),
      };
    case 'item':
      return putItem(state, action.item, action.force);
    case 'itemRemoved':
      return state.goneItems.has(action.id) ? state : removeItem(state, action.id);
    case 'optimistic': {
      const lists = state.lists.map((l) => {
        if (!l.items.some((i) => i.id === action.itemId)) return l;
        // A dragged item takes its new place at once (its rank is in the patch).
        const items = l.items.map((i) =>
          i.id === action.itemId ? { ...i, ...action.patch, [OPTIMISTIC]: true } : i,
        );
        return { ...l, items: action.patch.position ? items.sort(byPosition) : items };
      });
      return { ...state, lists };
    }
    case 'event': {
      const e = action.event;
      if (!('task_id' in e.payload) || e.payload.task_id !== state.taskId) return state;
      switch (e.type) {
        case 'checklist.created':
        case 'checklist.updated':
          return putList(state, e.payload.checklist);
        case 'checklist.deleted':
          return checklistsReducer(state, { type: 'listRemoved', id: e.payload.checklist.id });
        case 'checklist_item.created':
        case 'checklist_item.updated':
          return putItem(state, e.payload.item);
        case 'checklist_item.deleted':
          return checklistsReducer(state, { type: 'itemRemoved', id: e.payload.item.id });
        default:
          return state;
      }
    }
  }
}

/** Done and total over every list (what the card face's chip shows). */
export function progressOf(lists: readonly ChecklistWithItems[]): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const l of lists) {
    total += l.items.length;
    done += l.items.filter((i) => i.done).length;
  }
  return { done, total };
}
