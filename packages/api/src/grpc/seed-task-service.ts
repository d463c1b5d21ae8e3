import { create } from '@bufbuild/protobuf';
import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import { createTaskSchema, eventTaskId, listTasksQuerySchema, type Task } from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import {
  CreateTaskResponseSchema,
  DeleteTaskResponseSchema,
  GetTaskResponseSchema,
  type ListTasksRequest,
  ListTasksResponseSchema,
  TaskService,
  UpdateTaskResponseSchema,
} from '../gen/task/v1/task_pb.js';
import { committed } from '../routes/helpers.js';
import { accessBoard } from '../store/board-access.js';
import { listTasks } from '../store/task-query.js';
import { createTask, getTask, updateTask } from '../store/tasks.js';
import { trashTask } from '../store/trash.js';
import { taskPatchOf } from './task-patch.js';
import { actorOfCall, idOf } from './call-context.js';
import { seedTask } from './messages.js';
import type { Watches } from './watches.js';

/** ListTasks paging as REST's query string (the schema checks the numbers). */
function listQuery(req: ListTasksRequest) {
  const boardId = idOf(req.boardId);
  return listTasksQuerySchema.parse({
    ...(req.boardId !== 0n ? { board_id: boardId > 0 ? String(boardId) : '0' } : {}),
    ...(req.completed !== undefined ? { completed: String(req.completed) } : {}),
    ...(req.pageSize !== 0 ? { page_size: String(req.pageSize) } : {}),
    ...(req.pageNumber !== 0 ? { page: String(req.pageNumber) } : {}),
  });
}

/**
 * Seed 001's `task.v1.TaskService`, verbatim, over the same store functions,
 * schemas and authorization as REST's flat task routes.
 */
export function seedTaskService(router: ConnectRouter, deps: AppDeps, watches: Watches): void {
  const { db } = deps;
  router.service(TaskService, {
    async createTask(req, context) {
      const input = createTaskSchema.parse({
        board_id: idOf(req.boardId),
        title: req.title,
        description: req.description,
        ...(req.createdBy !== 0n ? { created_by: idOf(req.createdBy) } : {}),
      });
      const task = committed(deps, await createTask(db, actorOfCall(context), input));
      return create(CreateTaskResponseSchema, { task: seedTask(task) });
    },

    async getTask(req, context) {
      const task = await getTask(db, actorOfCall(context), idOf(req.id));
      return create(GetTaskResponseSchema, { task: seedTask(task) });
    },

    async listTasks(req, context) {
      const page = await listTasks(db, actorOfCall(context), listQuery(req));
      return create(ListTasksResponseSchema, {
        tasks: page.tasks.map(seedTask),
        totalCount: page.total_count,
      });
    },

    async updateTask(req, context) {
      const input = taskPatchOf(req);
      const task = committed(
        deps,
        await updateTask(db, actorOfCall(context), idOf(req.id), input, undefined),
      );
      return create(UpdateTaskResponseSchema, { task: seedTask(task) });
    },

    async deleteTask(req, context) {
      // The same soft delete as REST's DELETE: to the board's trash, gone from the task routes.
      committed(
        deps,
        await trashTask(
          db,
          actorOfCall(context),
          idOf(req.id),
          undefined,
          deps.config.trashRetentionDays * 86_400_000,
        ),
      );
      return create(DeleteTaskResponseSchema, { success: true });
    },

    watchTasks: (req, context) => watchTasks(deps, watches, req, context),
  });
}

/**
 * The board's task changes from now on, from the committed log through the
 * hub: each created, updated (moved) or deleted task as a Task — a deleted one
 * as it was last. `completed` filters as ListTasks does.
 */
async function* watchTasks(
  deps: AppDeps,
  watches: Watches,
  req: ListTasksRequest,
  context: HandlerContext,
): AsyncGenerator<ReturnType<typeof seedTask>> {
  const actor = actorOfCall(context);
  const query = listQuery(req);
  if (query.board_id === undefined) {
    listTasksQuerySchema.parse({ board_id: '0' }); // INVALID_ARGUMENT: a watch names its board
  }
  const boardId = query.board_id ?? 0;
  // NOT_FOUND or PERMISSION_DENIED before the stream starts, as GET would say.
  const head = (await accessBoard(deps.db, boardId, actor, 'board.read')).board.seq;
  const watch = watches.open(actor, boardId);
  try {
    await watch.start(head);
    for await (const item of watch.items(context.signal)) {
      if (item.kind !== 'event') continue;
      const payload = item.event.payload as { task?: Task };
      if (!payload.task || eventTaskId(item.event) === null) continue;
      if (!item.event.type.startsWith('task.')) continue;
      if (query.completed !== undefined && payload.task.completed !== query.completed) continue;
      yield seedTask(payload.task);
    }
  } finally {
    watches.forget(watch);
  }
}
