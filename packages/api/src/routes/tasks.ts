import {
  activityPageSchema,
  activityQuerySchema,
  createTaskSchema,
  idParamSchema,
  idSchema,
  listTasksQuerySchema,
  taskPageSchema,
  taskSchema,
  tickTaskItemSchema,
  transferTaskSchema,
  updateTaskSchema,
} from '@switchboard/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import { taskHistory } from '../store/activity.js';
import { copyTask, moveTaskToBoard } from '../store/card-transfer.js';
import { listTasks } from '../store/task-query.js';
import {
  createTask,
  getTask,
  setTaskLabel,
  tickDescriptionItem,
  updateTask,
} from '../store/tasks.js';
import { trashTask } from '../store/trash.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

export const taskItemParams = z.strictObject({
  id: idParamSchema,
  index: z
    .string()
    .regex(/^\d{1,4}$/, 'must be an item index (0, 1, 2, …)')
    .transform(Number)
    .meta({ description: 'Which task-list item, counted from 0 in document order' }),
});
const labelParams = z.strictObject({ id: idParamSchema, labelId: idParamSchema });

export function taskRoutes(app: App, deps: AppDeps) {
  const r = typed(app);
  const { db } = deps;
  const tags = ['tasks'];

  r.post(
    '/api/tasks',
    {
      schema: {
        tags,
        summary:
          'Create a task (first column and last place unless column_id/status/after_id/before_id say otherwise)',
        body: createTaskSchema,
        response: { 201: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = committed(deps, await createTask(db, actorOf(request), request.body));
      return reply.code(201).header('etag', etag(task.version)).send(task);
    },
  );

  r.post(
    '/api/tasks/:id/copy',
    {
      schema: {
        tags,
        summary:
          'Copy a card (its own board: a duplicate) with its checklists and comments; labels and custom fields carried by name',
        params: idParams,
        body: transferTaskSchema,
        response: { 201: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = committed(
        deps,
        await copyTask(
          db,
          actorOf(request),
          request.params.id,
          request.body,
          deps.config.boardAttachmentQuotaBytes,
          deps.files,
        ),
      );
      return reply.code(201).header('etag', etag(task.version)).send(task);
    },
  );

  r.post(
    '/api/tasks/:id/move',
    {
      schema: {
        tags,
        summary:
          'Move a card to another board (same id, with its comments and checklists; labels and custom fields carried by name)',
        params: idParams,
        body: transferTaskSchema,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = committed(
        deps,
        await moveTaskToBoard(
          db,
          actorOf(request),
          request.params.id,
          request.body,
          deps.config.boardAttachmentQuotaBytes,
        ),
      );
      return reply.header('etag', etag(task.version)).send(task);
    },
  );

  r.get(
    '/api/tasks',
    {
      schema: {
        tags,
        summary:
          'Tasks of the boards I can read, filtered (column, status, label, field, due) and paged',
        querystring: listTasksQuerySchema,
        response: { 200: taskPageSchema, ...errorResponses },
      },
    },
    async (request) => listTasks(db, actorOf(request), request.query),
  );

  r.get(
    '/api/tasks/:id',
    {
      schema: {
        tags,
        summary: 'One task (archived ones too; not one in the trash)',
        params: idParams,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = await getTask(db, actorOf(request), request.params.id);
      return reply.header('etag', etag(task.version)).send(task);
    },
  );

  const update = {
    schema: {
      tags,
      summary:
        'Change a task; a move names column_id (or status) and/or after_id/before_id; archived: true|false on its own archives or restores. Send If-Match or version to refuse stale writes (409).',
      params: idParams,
      body: updateTaskSchema,
      response: { 200: taskSchema, ...errorResponses },
    },
  };
  for (const method of ['put', 'patch'] as const) {
    r[method]('/api/tasks/:id', update, async (request, reply) => {
      const task = committed(
        deps,
        await updateTask(
          db,
          actorOf(request),
          request.params.id,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(task.version)).send(task);
    });
  }

  r.delete(
    '/api/tasks/:id',
    {
      schema: {
        tags,
        summary:
          'Delete a task: it goes to the board’s trash (restorable until purged), and is gone from the task routes',
        params: idParams,
        response: noContent,
      },
    },
    async (request, reply) => {
      committed(
        deps,
        await trashTask(
          db,
          actorOf(request),
          request.params.id,
          ifMatchVersion(request),
          deps.config.trashRetentionDays * 86_400_000,
        ),
      );
      return reply.code(204).send(null);
    },
  );

  r.put(
    '/api/tasks/:id/task-items/:index',
    {
      schema: {
        tags,
        summary:
          'Tick or untick the n-th Markdown task-list item (- [ ] …) of the description; If-Match or version refuses stale writes',
        params: taskItemParams,
        body: tickTaskItemSchema,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = committed(
        deps,
        await tickDescriptionItem(
          db,
          actorOf(request),
          request.params.id,
          request.params.index,
          request.body,
          ifMatchVersion(request),
        ),
      );
      return reply.header('etag', etag(task.version)).send(task);
    },
  );

  for (const [method, on] of [
    ['put', true],
    ['delete', false],
  ] as const) {
    r[method](
      '/api/tasks/:id/labels/:labelId',
      {
        schema: {
          tags,
          summary: on ? 'Put a board label on a task' : 'Take a label off a task',
          params: labelParams,
          response: { 200: taskSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const task = committed(
          deps,
          await setTaskLabel(db, actorOf(request), request.params.id, request.params.labelId, on),
        );
        return reply.header('etag', etag(task.version)).send(task);
      },
    );
  }

  /** The cover routes: a task update of `cover_attachment_id`, with If-Match. */
  async function setCover(
    request: FastifyRequest,
    reply: FastifyReply,
    taskId: number,
    attachmentId: number | null,
  ) {
    const task = committed(
      deps,
      await updateTask(
        db,
        actorOf(request),
        taskId,
        { cover_attachment_id: attachmentId },
        ifMatchVersion(request),
      ),
    );
    return reply.header('etag', etag(task.version)).send(task);
  }

  r.put(
    '/api/tasks/:id/cover',
    {
      schema: {
        tags,
        summary: "Make one of the card's images its cover (the same as PATCH cover_attachment_id)",
        params: idParams,
        body: z.strictObject({ attachment_id: idSchema }),
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      setCover(request, reply, request.params.id, request.body.attachment_id),
  );

  r.delete(
    '/api/tasks/:id/cover',
    {
      schema: {
        tags,
        summary: 'Remove the card’s cover (no image becomes one by itself after this)',
        params: idParams,
        response: { 200: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => setCover(request, reply, request.params.id, null),
  );

  r.get(
    '/api/tasks/:id/history',
    {
      schema: {
        tags,
        summary: 'The task’s history from the event log, newest first, in human words',
        params: idParams,
        querystring: activityQuerySchema,
        response: { 200: activityPageSchema, ...errorResponses },
      },
    },
    async (request) =>
      taskHistory(
        db,
        actorOf(request),
        request.params.id,
        request.query.before_seq,
        request.query.limit,
      ),
  );
}
