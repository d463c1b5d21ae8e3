/**
 * Admin changes as an ordered log every proxy replays: config plus the log is
 * the state, so two proxies that read the same log agree, and a proxy that
 * restarts replays it and comes back as it was. Entries are admin requests
 * (method, URL, body) run through the same handlers as a live request.
 */
export interface AdminChange {
  /** The proxy that accepted the request (`shared.node_id`). */
  origin: string;
  method: string;
  /** Path and query, as the admin API received them. */
  url: string;
  body: string;
  /** When it was accepted (ms since the epoch). */
  at: number;
}

export interface LoggedChange {
  /** The entry's position: totally ordered, opaque. */
  id: string;
  change: AdminChange;
}

/** Where the log lives; a file for one proxy, a Redis stream for several. */
export interface AdminLog {
  readonly kind: 'file' | 'redis';
  /** Appends and returns the new entry's id; rejects (nothing written) when the store is down. */
  append(change: AdminChange): Promise<string>;
  /**
   * Entries after `after` (null: from the start), in order; waits up to
   * `blockMs` for one when there are none (stores that can wait).
   */
  read(after: string | null, blockMs: number): Promise<LoggedChange[]>;
  close(): Promise<void>;
}

/** The admin requests that change state; reads, checks and reloads are not logged. */
const CHANGES: readonly (readonly [string, RegExp])[] = [
  ['POST', /^\/admin\/backends$/],
  ['PATCH', /^\/admin\/backends\/[^/]+$/],
  ['DELETE', /^\/admin\/backends\/[^/]+$/],
  ['POST', /^\/admin\/backends\/[^/]+\/(drain|undrain)$/],
  ['PUT', /^\/admin\/strategy$/],
];

export function isAdminChange(method: string, url: string): boolean {
  const path = new URL(url, 'http://admin.invalid').pathname.replace(/\/+$/, '') || '/';
  return CHANGES.some(([m, p]) => m === method && p.test(path));
}
