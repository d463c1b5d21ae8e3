import { updateTaskSchema } from '@switchboard/core';

/**
 * The fields of an UpdateTask request that were set (proto3 `optional`), as
 * REST's PATCH body, validated by the same schema. Both task services use it.
 */
export function taskPatchOf(req: { title?: string; description?: string; completed?: boolean }) {
  return updateTaskSchema.parse({
    ...(req.title !== undefined ? { title: req.title } : {}),
    ...(req.description !== undefined ? { description: req.description } : {}),
    ...(req.completed !== undefined ? { completed: req.completed } : {}),
  });
}
