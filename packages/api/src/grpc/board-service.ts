import { create } from '@bufbuild/protobuf';
import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import {
  type BoardEvent,
  createBoardSchema,
  listBoardsQuerySchema,
  type Task,
} from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import {
  BoardEventSchema,
  BoardService,
  BoardSnapshotSchema,
  CreateBoardResponseSchema,
  GetBoardResponseSchema,
  ListBoardsResponseSchema,
  type WatchBoardRequest,
  type WatchBoardResponse,
  WatchBoardResponseSchema,
} from '../gen/switchboard/v1/board_service_pb.js';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { committed } from '../routes/helpers.js';
import { createBoard, getBoardDetail, listBoards } from '../store/boards.js';
import { accessBoard } from '../store/board-access.js';
import type { WatchItem } from './board-watch.js';
import { actorOfCall, idOf } from './call-context.js';
import { boardMessage, columnMessage, taskMessage } from './messages.js';
import type { Watches } from './watches.js';

/** switchboard.v1.BoardService: boards, and WatchBoard's exact resume from the log. */
export function boardService(router: ConnectRouter, deps: AppDeps, watches: Watches): void {
  const { db } = deps;
  router.service(BoardService, {
    async createBoard(req, context) {
      const input = createBoardSchema.parse({
        title: req.title,
        ...(req.columnTitles.length > 0 ? { columns: req.columnTitles } : {}),
      });
      const board = committed(deps, await createBoard(db, actorOfCall(context), input));
      return create(CreateBoardResponseSchema, {
        board: boardMessage(board),
        columns: board.columns.map(columnMessage),
      });
    },

    async getBoard(req, context) {
      const board = await getBoardDetail(db, actorOfCall(context), idOf(req.id));
      return create(GetBoardResponseSchema, {
        board: boardMessage(board),
        columns: board.columns.map(columnMessage),
        tasks: board.tasks.map(taskMessage),
      });
    },

    async listBoards(_req, context) {
      const boards = await listBoards(db, actorOfCall(context), listBoardsQuerySchema.parse({}));
      return create(ListBoardsResponseSchema, { boards: boards.map(boardMessage) });
    },

    watchBoard: (req, context) => watchBoard(deps, watches, req, context),
  });
}

function update(item: WatchItem, boardId: number): WatchBoardResponse {
  if (item.kind === 'snapshot') {
    const { board } = item;
    return create(WatchBoardResponseSchema, {
      boardId: BigInt(boardId),
      seq: BigInt(item.seq),
      kind: {
        case: 'snapshot',
        value: create(BoardSnapshotSchema, {
          board: boardMessage(board),
          columns: board.columns.map(columnMessage),
          tasks: board.tasks.map(taskMessage),
        }),
      },
    });
  }
  const event: BoardEvent = item.event;
  const task = (event.payload as { task?: Task }).task;
  return create(WatchBoardResponseSchema, {
    boardId: BigInt(boardId),
    seq: BigInt(item.seq),
    kind: {
      case: 'event',
      value: create(BoardEventSchema, {
        id: event.id,
        type: event.type,
        createdAt: timestampFromDate(new Date(event.created_at)),
        actorId: BigInt(event.actor),
        payloadJson: JSON.stringify(event.payload),
        ...(task ? { task: taskMessage(task) } : {}),
      }),
    },
  });
}

/**
 * The board's log after `after_seq`, then live: each message carries its seq,
 * exactly the previous one + 1 (or a snapshot's, when there is no after_seq or
 * it is too far behind). A client that keeps the last seq it applied and
 * watches again with it — here or on another instance — misses nothing and
 * gets nothing twice.
 */
async function* watchBoard(
  deps: AppDeps,
  watches: Watches,
  req: WatchBoardRequest,
  context: HandlerContext,
): AsyncGenerator<WatchBoardResponse> {
  const actor = actorOfCall(context);
  const boardId = idOf(req.boardId);
  // NOT_FOUND before the stream starts, as GET would say.
  await accessBoard(deps.db, boardId, actor, 'board.read');
  const afterSeq =
    req.afterSeq === undefined ? undefined : Number(req.afterSeq < 0n ? 0n : req.afterSeq);
  const watch = watches.open(actor, boardId);
  try {
    await watch.start(afterSeq);
    for await (const item of watch.items(context.signal)) yield update(item, boardId);
  } finally {
    watches.forget(watch);
  }
}
