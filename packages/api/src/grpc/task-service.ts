import { create } from '@bufbuild/protobuf';
import type { ConnectRouter } from '@connectrpc/connect';
import { createTaskSchema, listTasksQuerySchema, updateTaskSchema } from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import {
  CreateTaskResponseSchema,
  DeleteTaskResponseSchema,
  GetTaskResponseSchema,
  ListTasksResponseSchema,
  MoveTaskResponseSchema,
  TaskService,
  UpdateTaskResponseSchema,
} from '../gen/switchboard/v1/task_service_pb.js';
import { committed } from '../routes/helpers.js';
import { listTasks } from '../store/task-query.js';
import { createTask, getTask, updateTask } from '../store/tasks.js';
import { trashTask } from '../store/trash.js';
import { taskPatchOf } from './task-patch.js';
import { actorOfCall, idOf, versionOf } from './call-context.js';
import { taskMessage } from './messages.js';

/**
 * switchboard.v1.TaskService: REST's task routes with columns, positions and
 * versions (a stale version is ABORTED, as REST's 409 SB_ERR_VERSION_CONFLICT).
 */
export function taskService(router: ConnectRouter, deps: AppDeps): void {
  const { db } = deps;
  router.service(TaskService, {
    async createTask(req, context) {
      const input = createTaskSchema.parse({
        board_id: idOf(req.boardId),
        title: req.title,
        description: req.description,
        ...(req.columnId !== undefined ? { column_id: idOf(req.columnId) } : {}),
      });
      const task = committed(deps, await createTask(db, actorOfCall(context), input));
      return create(CreateTaskResponseSchema, { task: taskMessage(task) });
    },

    async getTask(req, context) {
      const task = await getTask(db, actorOfCall(context), idOf(req.id));
      return create(GetTaskResponseSchema, { task: taskMessage(task) });
    },

    async listTasks(req, context) {
      const query = listTasksQuerySchema.parse({
        board_id: String(idOf(req.boardId)),
        ...(req.columnId !== undefined ? { column_id: String(idOf(req.columnId)) } : {}),
        ...(req.completed !== undefined ? { completed: String(req.completed) } : {}),
        ...(req.pageSize !== 0 ? { page_size: String(req.pageSize) } : {}),
        ...(req.page !== 0 ? { page: String(req.page) } : {}),
      });
      const page = await listTasks(db, actorOfCall(context), query);
      return create(ListTasksResponseSchema, {
        tasks: page.tasks.map(taskMessage),
        totalCount: page.total_count,
      });
    },

    async updateTask(req, context) {
      const input = taskPatchOf(req);
      const task = committed(
        deps,
        await updateTask(db, actorOfCall(context), idOf(req.id), input, versionOf(req.version)),
      );
      return create(UpdateTaskResponseSchema, { task: taskMessage(task) });
    },

    async moveTask(req, context) {
      const input = updateTaskSchema.parse({
        column_id: idOf(req.columnId),
        ...(req.afterId !== undefined ? { after_id: idOf(req.afterId) } : {}),
        ...(req.beforeId !== undefined ? { before_id: idOf(req.beforeId) } : {}),
      });
      const task = committed(
        deps,
        await updateTask(db, actorOfCall(context), idOf(req.id), input, versionOf(req.version)),
      );
      return create(MoveTaskResponseSchema, { task: taskMessage(task) });
    },

    async deleteTask(req, context) {
      committed(
        deps,
        await trashTask(
          db,
          actorOfCall(context),
          idOf(req.id),
          versionOf(req.version),
          deps.config.trashRetentionDays * 86_400_000,
        ),
      );
      return create(DeleteTaskResponseSchema, {});
    },
  });
}
