import {
  createTaskSchema,
  listTasksQuerySchema,
  taskPageSchema,
  taskSchema,
  updateTaskSchema,
} from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import { actorOf } from '../http/authenticate.js';
import { etag, ifMatchVersion } from '../http/if-match.js';
import { createTask, deleteTask, getTask, listTasks, updateTask } from '../store/tasks.js';
import { type App, committed, errorResponses, idParams, noContent, typed } from './helpers.js';

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
          'Create a task (first column and last place unless column_id/after_id/before_id say otherwise)',
        body: createTaskSchema,
        response: { 201: taskSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const task = committed(deps, await createTask(db, actorOf(request), request.body));
      return reply.code(201).header('etag', etag(task.version)).send(task);
    },
  );

  r.get(
    '/api/tasks',
    {
      schema: {
        tags,
        summary: 'Tasks of the boards I can read, filtered and paged',
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
        summary: 'One task',
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
        'Change a task; a move names column_id and/or after_id/before_id. Send If-Match or version to refuse stale writes (409).',
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
    { schema: { tags, summary: 'Delete a task', params: idParams, response: noContent } },
    async (request, reply) => {
      committed(
        deps,
        await deleteTask(db, actorOf(request), request.params.id, ifMatchVersion(request)),
      );
      return reply.code(204).send(null);
    },
  );
}
