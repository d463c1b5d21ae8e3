import {
  type ActivityEntry,
  type ActivityPage,
  type BoardEvent,
  describeEvent,
  type EventLookups,
  eventTaskId,
} from '@switchboard/core';

/**
 * An activity feed (the board's, or one card's history): pages read backwards
 * over REST, live events put on top. Entries are keyed by seq, so an event
 * that is also on a page shows once.
 */
export interface ActivityState {
  /** Only this card's events; null for the whole board. */
  taskId: number | null;
  /** Newest first. */
  entries: readonly ActivityEntry[];
  nextBeforeSeq: number | null;
  loaded: boolean;
}

export type ActivityAction =
  | { type: 'page'; page: ActivityPage }
  | { type: 'event'; event: BoardEvent; lookups: EventLookups }
  | { type: 'reset' };

export function initialActivity(taskId: number | null): ActivityState {
  return { taskId, entries: [], nextBeforeSeq: null, loaded: false };
}

/** An event in the shape of the API's activity entries (same words: core's describeEvent). */
export function entryOf(event: BoardEvent, lookups: EventLookups): ActivityEntry {
  const { text, changes } = describeEvent(event, lookups);
  return {
    seq: event.seq,
    event_id: event.id,
    type: event.type,
    created_at: event.created_at,
    actor: { id: event.actor, username: lookups.username(event.actor) ?? null },
    task_id: eventTaskId(event),
    text,
    changes,
  };
}

function merge(
  entries: readonly ActivityEntry[],
  incoming: readonly ActivityEntry[],
): ActivityEntry[] {
  const bySeq = new Map<number, ActivityEntry>();
  for (const e of entries) bySeq.set(e.seq, e);
  // The server's wording wins (it knows names the client may not).
  for (const e of incoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq);
}

export function activityReducer(state: ActivityState, action: ActivityAction): ActivityState {
  switch (action.type) {
    case 'page': {
      const first = !state.loaded;
      return {
        ...state,
        entries: merge(state.entries, action.page.entries),
        nextBeforeSeq:
          first ||
          action.page.next_before_seq === null ||
          (state.nextBeforeSeq !== null && action.page.next_before_seq < state.nextBeforeSeq)
            ? action.page.next_before_seq
            : state.nextBeforeSeq,
        loaded: true,
      };
    }
    case 'event': {
      if (!state.loaded) return state;
      if (state.taskId !== null && eventTaskId(action.event) !== state.taskId) {
        // A card made from one of this card's checklist items is part of its story too.
        const from =
          action.event.type === 'task.created' ? action.event.payload.from_checklist_item : null;
        if (from?.task_id !== state.taskId) return state;
      }
      if (state.entries.some((e) => e.seq === action.event.seq)) return state;
      return { ...state, entries: merge(state.entries, [entryOf(action.event, action.lookups)]) };
    }
    case 'reset':
      return initialActivity(state.taskId);
  }
}
