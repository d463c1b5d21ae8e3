import { idParamSchema } from '@switchboard/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import type { WriteResult } from '../store/board-write.js';

export type App = FastifyInstance;

export function typed(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}

/** Hands the committed events on (WebSocket hub) and returns the result. */
export function committed<T>(deps: AppDeps, write: WriteResult<T>): T {
  if (write.events.length > 0) deps.onCommitted?.(write.events);
  return write.result;
}

export const idParams = z.strictObject({ id: idParamSchema });
export const errorResponse = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ description: 'A coded error (see docs/errors.md)' });

export const errorResponses = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  404: errorResponse,
  409: errorResponse,
  422: errorResponse,
};

/** 204 No Content for deletes. */
export const noContent = { 204: z.null().meta({ description: 'No content' }), ...errorResponses };
