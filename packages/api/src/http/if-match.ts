import { sbError } from '@switchboard/core';
import type { FastifyRequest } from 'fastify';

/**
 * The version a client saw, from `If-Match: "7"` (or `7`, or `W/"7"`). Writes
 * that carry it are checked; writes without it are last-writer-wins.
 */
export function ifMatchVersion(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  if (raw === undefined || raw === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!match) {
    throw sbError('SB_ERR_VALIDATION', 'If-Match must be a version such as "3".', {
      issues: [{ path: 'headers.if-match', message: 'must be a version number in quotes' }],
    });
  }
  return Number(match[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}
