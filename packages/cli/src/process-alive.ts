/**
 * Whether a process with this pid exists (signal 0 checks without sending).
 * EPERM means it exists but belongs to someone else: alive all the same.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
