import { create } from '@bufbuild/protobuf';
import type { ConnectRouter } from '@connectrpc/connect';
import { createColumnSchema, updateColumnSchema } from '@switchboard/core';
import type { AppDeps } from '../app-deps.js';
import {
  ColumnService,
  CreateColumnResponseSchema,
  DeleteColumnResponseSchema,
  ListColumnsResponseSchema,
  UpdateColumnResponseSchema,
} from '../gen/switchboard/v1/column_service_pb.js';
import { committed } from '../routes/helpers.js';
import { createColumn, deleteColumn, listColumns, updateColumn } from '../store/columns.js';
import { actorOfCall, idOf, versionOf } from './call-context.js';
import { columnMessage, taskMessage } from './messages.js';

/** switchboard.v1.ColumnService: REST's column routes. */
export function columnService(router: ConnectRouter, deps: AppDeps): void {
  const { db } = deps;
  router.service(ColumnService, {
    async listColumns(req, context) {
      const columns = await listColumns(db, actorOfCall(context), idOf(req.boardId));
      return create(ListColumnsResponseSchema, { columns: columns.map(columnMessage) });
    },

    async createColumn(req, context) {
      const input = createColumnSchema.parse({
        title: req.title,
        ...(req.wipLimit !== undefined ? { wip_limit: req.wipLimit } : {}),
      });
      const column = committed(
        deps,
        await createColumn(db, actorOfCall(context), idOf(req.boardId), input),
      );
      return create(CreateColumnResponseSchema, { column: columnMessage(column) });
    },

    async updateColumn(req, context) {
      const input = updateColumnSchema.parse({
        ...(req.title !== undefined ? { title: req.title } : {}),
        ...(req.wipLimit !== undefined ? { wip_limit: req.wipLimit } : {}),
      });
      const column = committed(
        deps,
        await updateColumn(
          db,
          actorOfCall(context),
          idOf(req.boardId),
          idOf(req.id),
          input,
          versionOf(req.version),
        ),
      );
      return create(UpdateColumnResponseSchema, { column: columnMessage(column) });
    },

    async deleteColumn(req, context) {
      const result = committed(
        deps,
        await deleteColumn(
          db,
          actorOfCall(context),
          idOf(req.boardId),
          idOf(req.id),
          req.moveTo !== undefined ? idOf(req.moveTo) : undefined,
          versionOf(req.version),
        ),
      );
      return create(DeleteColumnResponseSchema, {
        movedTasks: result.moved_tasks.map(taskMessage),
      });
    },
  });
}
