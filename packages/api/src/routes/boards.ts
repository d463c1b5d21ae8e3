import {
  boardDetailSchema,
  boardListSchema,
  boardSchema,
  createBoardSchema,
  listBoardsQuerySchema,
  updateBoardSchema,
} from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import {
  createBoard,
  deleteBoard,
  getBoardDetail,
  listBoards,
  updateBoard,
} from '../store/boards.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

export function boardRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['boards'];

  r.get(
    '/api/boards',
    {
      schema: {
        tags,
        summary: 'Boards I am a member of',
        querystring: listBoardsQuerySchema,
        response: { 200: boardListSchema, ...errorResponses },
      },
    },
    async (request) => ({ boards: await listBoards(db, actorOf(request), request.query) }),
  );

  r.post(
    '/api/boards',
    {
      schema: {
        tags,
        summary: 'Create a board (starts with To do / In progress / Done)',
        body: createBoardSchema,
        response: { 201: boardDetailSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const board = committed(deps, await createBoard(db, actorOf(request), request.body));
      return reply.code(201).header('etag', etag(board.version)).send(board);
    },
  );

  r.get(
    '/api/boards/:id',
    {
      schema: {
        tags,
        summary: 'A board with its columns, tasks and members',
        params: idParams,
        response: { 200: boardDetailSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const board = await getBoardDetail(db, actorOf(request), request.params.id);
      return reply.header('etag', etag(board.version)).send(board);
    },
  );

  r.patch(
    '/api/boards/:id',
    {
      schema: {
        tags,
        summary: 'Rename, archive or unarchive a board',
        params: idParams,
        body: updateBoardSchema,
        response: { 200: boardSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const board = committed(
        deps,
        await updateBoard(
          db,
          actorOf(request),
          request.params.id,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(board.version)).send(board);
    },
  );

  r.delete(
    '/api/boards/:id',
    {
      schema: {
        tags,
        summary: 'Delete a board (owners only)',
        params: idParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await deleteBoard(db, actorOf(request), request.params.id, ifMatchVersion(request)),
      );
      return reply.code(204).send(null);
    },
  );
}
