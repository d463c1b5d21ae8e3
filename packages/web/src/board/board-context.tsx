import type { CustomField, Label, Member } from '@switchboard/core';
import { createContext, useContext } from 'react';
import type { BoardStore } from '../state/board-store';

export interface BoardContextValue {
  store: BoardStore;
  boardId: number;
  canWrite: boolean;
  canManageColumns: boolean;
  viewerId: number;
  openTask(taskId: number): void;
  membersById: Readonly<Record<number, Member>>;
  labelsById: Readonly<Record<number, Label>>;
  customFields: readonly CustomField[];
  /** Deletes with an "Undo" toast. */
  deleteTaskWithUndo(taskId: number): void;
}

export const BoardContext = createContext<BoardContextValue | null>(null);

export function useBoard(): BoardContextValue {
  const value = useContext(BoardContext);
  if (!value) throw new Error('useBoard outside a board');
  return value;
}
