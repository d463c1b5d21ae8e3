import { Code, ConnectError, createContextKey, type HandlerContext } from '@connectrpc/connect';
import type { Actor } from '../auth/actor.js';

/** The caller, resolved once per call by the interceptor (auth-interceptor.ts). */
export const actorKey = createContextKey<Actor | undefined>(undefined, {
  description: 'the authenticated caller',
});

export function actorOfCall(context: HandlerContext): Actor {
  const actor = context.values.get(actorKey);
  if (!actor) throw new ConnectError('Sign in to continue.', Code.Unauthenticated);
  return actor;
}

/** An int64 id of a request as a number; 0 and beyond 2^53 are not ids. */
export function idOf(value: bigint): number {
  return value > 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : 0;
}

/** An optional version of a request (the If-Match of REST). */
export function versionOf(value: bigint | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : -1;
}
