import type { Board, BoardBackgroundInput } from '@switchboard/core';
import { definedOnly, versionOf } from './op-helpers';
import type { OpKindSpec } from './op-spec';

export type BoardPatch = {
  title?: string;
  archived?: boolean;
  background?: BoardBackgroundInput;
};

export interface BoardUpdateOp {
  kind: 'board.update';
  patch: BoardPatch;
  baseVersion?: number;
  result?: Board;
}

export const boardUpdate: OpKindSpec<BoardUpdateOp> = {
  label: 'save the board',
  refs: {},
  target: () => ({ of: 'board', id: 0 }),
  apply(draft, op) {
    if (!op.result) {
      // A photo shows when the server has fetched its details; a colour or gradient at once.
      const { background, ...rest } = op.patch;
      draft.board = { ...draft.board, ...definedOnly(rest) };
      if (background !== undefined && background?.kind !== 'unsplash') {
        draft.board.background = background;
      }
    } else if (draft.board.version < op.result.version) {
      // The answer has no role or seq of the viewer: keep those.
      draft.board = { ...op.result, role: draft.board.role, seq: draft.board.seq };
    }
  },
  send: (t, boardId, op, base) => t.updateBoard(boardId, op.patch, base),
  settled: (op, confirmed) => !op.result || confirmed.board.version >= op.result.version,
  baseVersion: (op) => op.baseVersion,
  bumpsVersion: true,
  conflict: (op, current) => ({
    mine: op.patch,
    theirs: current as Board,
    keepMine: { kind: 'board.update', patch: op.patch, baseVersion: versionOf(current) },
  }),
};
