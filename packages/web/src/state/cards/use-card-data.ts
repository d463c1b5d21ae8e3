import type { EventLookups } from '@switchboard/core';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { errorText } from '../../api/error-text';
import { useServices } from '../../services-context';
import type { BoardStore } from '../board-store';
import { activityReducer, initialActivity } from './activity-state';
import { attachmentsReducer, initialAttachments } from './attachments-state';
import { checklistsReducer, initialChecklists } from './checklists-state';
import { commentsReducer, initialComments } from './comments-state';

/**
 * Panel data beyond the board payload. Each hook loads over REST and then
 * hears the store's confirmed events (store.onEvent: every seq once); its
 * reducer makes applying the same change twice harmless, so the order of a
 * write's answer, its event and a reload does not matter. A snapshot (events
 * possibly skipped) reloads.
 */
function useStoreEvents(store: BoardStore, onEvent: Parameters<BoardStore['onEvent']>[0]) {
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => store.onEvent((e) => ref.current(e)), [store]);
}

export function useComments(store: BoardStore, taskId: number) {
  const { api, toasts } = useServices();
  const [state, dispatch] = useReducer(commentsReducer, taskId, initialComments);
  const load = useCallback(() => {
    api.listComments(taskId).then(
      (page) => dispatch({ type: 'page', page, older: false }),
      (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) }),
    );
  }, [api, taskId, toasts]);
  useEffect(load, [load]);
  useStoreEvents(store, (e) => {
    if (e.kind === 'reset') load();
    else dispatch({ type: 'event', event: e.event });
  });
  const loadOlder = useCallback(() => {
    if (!state.olderCursor) return;
    api.listComments(taskId, state.olderCursor).then(
      (page) => dispatch({ type: 'page', page, older: true }),
      (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) }),
    );
  }, [api, taskId, toasts, state.olderCursor]);
  return { state, dispatch, loadOlder };
}

export function useChecklists(store: BoardStore, taskId: number) {
  const { api, toasts } = useServices();
  const [state, dispatch] = useReducer(checklistsReducer, taskId, initialChecklists);
  const load = useCallback(() => {
    api.listChecklists(taskId).then(
      ({ checklists }) => dispatch({ type: 'loaded', lists: checklists }),
      (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) }),
    );
  }, [api, taskId, toasts]);
  useEffect(load, [load]);
  useStoreEvents(store, (e) => {
    if (e.kind === 'reset') load();
    else dispatch({ type: 'event', event: e.event });
  });
  return { state, dispatch, reload: load };
}

export function useAttachments(store: BoardStore, taskId: number) {
  const { api, toasts } = useServices();
  const [state, dispatch] = useReducer(attachmentsReducer, taskId, initialAttachments);
  const load = useCallback(() => {
    api.listAttachments(taskId).then(
      (list) => dispatch({ type: 'loaded', list }),
      (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) }),
    );
  }, [api, taskId, toasts]);
  useEffect(load, [load]);
  useStoreEvents(store, (e) => {
    if (e.kind === 'reset') load();
    else dispatch({ type: 'event', event: e.event });
  });
  return { state, dispatch };
}

/** The board's activity (taskId null) or one card's history, live. */
export function useActivity(store: BoardStore, taskId: number | null, lookups: EventLookups) {
  const { api, toasts } = useServices();
  const [state, dispatch] = useReducer(activityReducer, taskId, initialActivity);
  const lookupsRef = useRef(lookups);
  lookupsRef.current = lookups;
  const fetchPage = useCallback(
    (before: number | null) =>
      (taskId === null
        ? api.boardActivity(store.boardId, before)
        : api.taskHistory(taskId, before)
      ).then(
        (page) => dispatch({ type: 'page', page }),
        (error: unknown) => toasts.show({ kind: 'error', message: errorText(error) }),
      ),
    [api, store.boardId, taskId, toasts],
  );
  useEffect(() => {
    void fetchPage(null);
  }, [fetchPage]);
  useStoreEvents(store, (e) => {
    if (e.kind === 'reset') {
      dispatch({ type: 'reset' });
      void fetchPage(null);
    } else dispatch({ type: 'event', event: e.event, lookups: lookupsRef.current });
  });
  const loadOlder = useCallback(() => {
    if (state.nextBeforeSeq !== null) void fetchPage(state.nextBeforeSeq);
  }, [fetchPage, state.nextBeforeSeq]);
  return { state, loadOlder };
}
