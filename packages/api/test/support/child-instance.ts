import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  const child = fork(entry, [], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      SB_TEST_REALTIME: JSON.stringify(realtime),
      ...env,
    },
    stdio: options.captureOutput
      ? ['ignore', 'pipe', 'pipe', 'ipc']
      : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      output.push(...lines);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child API did not start in 30 s')), 30_000);
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child API exited with ${code}`));
    });
  });
  return {
    process: child,
    output,
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
