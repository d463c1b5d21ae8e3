import { randomBytes } from 'node:crypto';

// Request ids: a random per-process prefix and a counter — unique, and far
// cheaper than a UUID per request.
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;

export function nextRequestId(): string {
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${ID_PREFIX}-${idCounter.toString(36)}`;
}

/** A client's X-Request-Id is passed on when it is reasonable; otherwise we make one. */
export function acceptsRequestId(value: string | undefined): value is string {
  return value !== undefined && value.length > 0 && value.length <= 200;
}
