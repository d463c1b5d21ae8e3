import { useSyncExternalStore } from 'react';
import type { BoardMeta, BoardStore, BoardView } from './board-store';

export function useBoardView(store: BoardStore): BoardView {
  return useSyncExternalStore(store.subscribe, store.getView);
}

export function useBoardMeta(store: BoardStore): BoardMeta {
  return useSyncExternalStore(store.subscribe, store.getMeta);
}
