import {
  type Board,
  boardBackgroundInputSchema,
  boardDetailSchema,
  boardListSchema,
  boardSchema,
  createBoardSchema,
  listBoardsQuerySchema,
  type UpdateBoardInput,
  updateBoardSchema,
} from '@switchboard/core';
import type { FastifyRequest } from 'fastify';
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
import { resolveBackground } from '../unsplash/resolve-background.js';
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

  /** A board change; an Unsplash photo is fetched first and its download tracked after commit. */
  async function changeBoard(
    request: FastifyRequest,
    boardId: number,
    body: UpdateBoardInput,
  ): Promise<Board> {
    const actor = actorOf(request);
    const { background: requested, ...rest } = body;
    const resolved =
      requested === undefined
        ? undefined
        : await resolveBackground(db, deps.unsplash?.client, actor, boardId, requested);
    const write = await updateBoard(
      db,
      actor,
      boardId,
      resolved ? { ...rest, background: resolved.background } : rest,
      ifMatchVersion(request),
    );
    const board = committed(deps, write);
    const photoChanged = write.events.some(
      (e) => e.type === 'board.updated' && e.payload.changed.includes('background'),
    );
    if (resolved?.downloadLocation && photoChanged) {
      // Unsplash's download tracking, once per choice, after the choice is committed.
      // The board has its photo whatever happens here; a failure is only logged.
      await deps.unsplash?.client.trackDownload(resolved.downloadLocation).catch((err: unknown) => {
        request.log.warn({ err }, 'Unsplash download tracking failed');
      });
    }
    return board;
  }

  r.patch(
    '/api/boards/:id',
    {
      schema: {
        tags,
        summary:
          'Rename, archive or unarchive a board, or set its background (a colour, a gradient, an Unsplash photo by id, or null)',
        params: idParams,
        body: updateBoardSchema,
        response: { 200: boardSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const board = await changeBoard(request, request.params.id, request.body);
      return reply.header('etag', etag(board.version)).send(board);
    },
  );

  // The background as a resource of its own (the same as PATCH with `background`).
  r.put(
    '/api/boards/:id/background',
    {
      schema: {
        tags,
        summary:
          'Set the board background: a colour, a gradient or an Unsplash photo by id (null: none)',
        params: idParams,
        body: boardBackgroundInputSchema,
        response: { 200: boardSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const board = await changeBoard(request, request.params.id, {
        background: request.body,
      });
      return reply.header('etag', etag(board.version)).send(board);
    },
  );

  r.delete(
    '/api/boards/:id/background',
    {
      schema: {
        tags,
        summary: 'Remove the board background',
        params: idParams,
        response: { 200: boardSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const board = await changeBoard(request, request.params.id, { background: null });
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
