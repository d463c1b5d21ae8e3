export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Lines that look like a Node.js stack trace or an unhandled error, from a process's output. */
export function stackTraces(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /^\s+at .+(:\d+:\d+\)?|\(native\))$|Unhandled|node:internal/.test(line));
}
