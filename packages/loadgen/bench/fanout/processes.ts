import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  forkListening,
  forkSwitchboard,
  type ListeningChild,
} from '../../../../test-support/processes.js';

/** Child processes of the fan-out benchmark: API instances and reference servers. */

export type Child = ListeningChild;

const referenceMain = fileURLToPath(new URL('./reference-server.ts', import.meta.url));

/** `switchboard api` by default; BENCH_API_ENTRY names another entry that reports {type:'listening', port}. */
export function startApiInstance(id: string, env: Record<string, string>): Promise<Child> {
  const childEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    INSTANCE_ID: id,
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'open',
    ...env,
  };
  const custom = process.env.BENCH_API_ENTRY;
  return custom
    ? forkListening(custom, { env: childEnv })
    : forkSwitchboard(['api'], { env: childEnv });
}

export function startReferenceServer(): Promise<Child> {
  return forkListening(referenceMain);
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
export async function cpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of a process in bytes (Linux /proc). */
export async function rssBytes(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
