import type { Column } from '@switchboard/core';
import { ApiError } from '../api/http';
import { type Op, specOf } from './ops/op-table';

/** What to tell the user when an op was refused. */
export function failureMessage(op: Op, error: unknown, columns: readonly Column[]): string {
  if (error instanceof ApiError && error.code === 'SB_ERR_WIP_LIMIT_REACHED') {
    const details = error.details as { column_id?: number; wip_limit?: number } | undefined;
    const column = columns.find((c) => c.id === details?.column_id);
    const limit = details?.wip_limit ?? column?.wip_limit;
    return `“${column?.title ?? 'That column'}” is at its WIP limit${limit ? ` of ${limit}` : ''}. The task stays where it was.`;
  }
  const detail = error instanceof ApiError ? describe(error) : 'Something went wrong.';
  return `Couldn’t ${specOf(op).label}: ${detail}`;
}

function describe(error: ApiError): string {
  if (error.code === 'SB_ERR_NETWORK') return 'the server could not be reached.';
  if (error.code === 'SB_ERR_FORBIDDEN') return 'your role on this board does not allow it.';
  if (error.code === 'SB_ERR_BOARD_ARCHIVED') return 'the board is archived (read-only).';
  if (error.code === 'SB_ERR_NOT_FOUND') return 'it no longer exists.';
  if (error.status >= 500 || error.code.startsWith('SB_ERR_HTTP_5'))
    return 'the service is briefly unavailable.';
  const message = error.message.trim();
  return message.charAt(0).toLowerCase() + message.slice(1);
}
