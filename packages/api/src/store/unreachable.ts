import { pgErrorCode } from './db.js';

/** Socket errors on the way to the database (raised by connect, read or write). */
const socketErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** What node-postgres and pg-pool say when a connection cannot be had or is gone. */
const clientMessages =
  /Connection terminated|timeout exceeded when trying to connect|is not queryable|Connection ended unexpectedly/i;

/**
 * Errors that mean the database is unreachable (down, restarting, out of
 * connections, cut off) rather than that the request was wrong: they become
 * 503 with Retry-After, and start-up waits them out.
 */
export function isConnectionError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  // Happy eyeballs (several addresses tried) fails with an AggregateError of the attempts.
  if (err instanceof AggregateError && err.errors.some((e) => isConnectionError(e, depth + 1)))
    return true;
  const code = pgErrorCode(err);
  const syscall = (err as { syscall?: unknown }).syscall;
  if (code !== undefined) {
    if (socketErrnos.has(code)) return true;
    // A Unix socket whose server is gone (or not yet started) is ENOENT on connect.
    if (syscall === 'connect' && code === 'ENOENT') return true;
    // SQLSTATE class 08: connection exceptions; 57P01-03: admin shutdown, crash
    // shutdown, cannot connect now (starting up, in recovery); 53300: too many connections.
    if (/^08[0-9A-Z]{3}$/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code))
      return true;
  }
  if (err instanceof Error && clientMessages.test(err.message)) return true;
  return 'cause' in err && isConnectionError(err.cause, depth + 1);
}

export interface WaitOptions {
  /** Told once when the database is first found unreachable, and once when it answers again. */
  log?: (line: string) => void;
  /** Longest pause between attempts (they start at 250 ms and double). */
  maxDelayMs?: number;
  /** Stops waiting (e.g. on shutdown): the last error is thrown. */
  signal?: AbortSignal;
}

/**
 * Runs `task` until it succeeds, waiting out an unreachable database (start-up
 * during an outage, a restart of the server): no crash loop, one line of log
 * rather than one per attempt. Any other error is thrown at once.
 */
export async function whileUnreachable<T>(
  task: () => Promise<T>,
  options: WaitOptions = {},
): Promise<T> {
  const maxDelay = options.maxDelayMs ?? 2_000;
  let delay = 250;
  let since: number | undefined;
  for (;;) {
    try {
      const result = await task();
      if (since !== undefined)
        options.log?.(
          `the database answers again (waited ${((Date.now() - since) / 1000).toFixed(1)} s)`,
        );
      return result;
    } catch (err) {
      if (!isConnectionError(err) || options.signal?.aborted) throw err;
      if (since === undefined) {
        since = Date.now();
        options.log?.(`the database is unreachable (${describeError(err)}); waiting for it`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(maxDelay, delay * 2);
  }
}

/** A one-line reason: an AggregateError (several addresses tried) has no message of its own. */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && !err.message)
    return err.errors.map((e) => describeError(e)).join('; ');
  if (err instanceof Error) return err.message || String(pgErrorCode(err) ?? err.name);
  return String(err);
}
