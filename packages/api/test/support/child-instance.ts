import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forkListening } from '../../../../test-support/processes.js';
import type { RealtimeOverrides } from '../../src/realtime/options.js';

const entry = fileURLToPath(new URL('./api-child.ts', import.meta.url));

export interface ChildInstance {
  process: ChildProcess;
  /** What it printed (stdout and stderr, by line), when started with captureOutput. */
  output: string[];
  port: number;
  url: string;
  wsUrl: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts an API instance as a real child process (so it can be SIGKILLed). */
export async function startChild(
  env: Record<string, string>,
  realtime: RealtimeOverrides,
  options: { captureOutput?: boolean } = {},
): Promise<ChildInstance> {
  const child = await forkListening(entry, {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      SB_TEST_REALTIME: JSON.stringify(realtime),
      ...env,
    },
    timeoutMs: 30_000,
    ...(options.captureOutput ? { captureOutput: true } : {}),
  });
  return {
    process: child.process,
    output: child.output,
    port: child.port,
    url: child.url,
    wsUrl: `ws://127.0.0.1:${child.port}/ws`,
    // A crash test wants the signal itself: SIGKILL by default, not a graceful stop.
    kill: (signal = 'SIGKILL') => child.stop(signal),
  };
}
