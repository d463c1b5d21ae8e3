import { type ChildProcess, execFile, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Child processes of the benchmark: API instances, reference servers, database set-up. */

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const cliMain = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));
const referenceMain = fileURLToPath(new URL('./reference-server.ts', import.meta.url));
const tsxArgs = ['--conditions=source', '--import', 'tsx'];

export interface Child {
  process: ChildProcess;
  port: number;
  url: string;
  stop(): Promise<void>;
}

async function forkListening(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<Child> {
  const child = fork(entry, args, {
    cwd: repoRoot,
    execArgv: tsxArgs,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in 60 s`)), 60_000);
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && message.port) {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}`));
    });
  });
  return {
    process: child,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** `switchboard api` by default; BENCH_API_ENTRY names another entry that reports {type:'listening', port}. */
export function startApiInstance(id: string, env: Record<string, string>): Promise<Child> {
  const custom = process.env.BENCH_API_ENTRY;
  return forkListening(custom ?? cliMain, custom ? [] : ['api'], {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    INSTANCE_ID: id,
    LOG_LEVEL: 'warn',
    AUTH_MODE: 'open',
    ...env,
  });
}

export function startReferenceServer(): Promise<Child> {
  return forkListening(referenceMain, [], { ...process.env });
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

/**
 * Creates or drops a scratch database, through the cli package's own
 * PostgreSQL helper run in a child process (loadgen itself talks to the
 * product over HTTP and WebSocket only).
 */
export function scratchDatabase(
  adminUrl: string,
  name: string,
  action: 'create' | 'drop',
): Promise<string> {
  const script =
    action === 'create'
      ? `import { ensureDatabase } from './packages/cli/src/database-setup.ts';
         console.log(await ensureDatabase(process.env.ADMIN_URL, process.env.DB_NAME));`
      : `import pg from 'pg';
         const c = new pg.Client({ connectionString: process.env.ADMIN_URL });
         await c.connect();
         await c.query('DROP DATABASE IF EXISTS "' + process.env.DB_NAME + '" WITH (FORCE)');
         await c.end();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...tsxArgs, '--input-type=module', '-e', script],
      { cwd: repoRoot, env: { ...process.env, ADMIN_URL: adminUrl, DB_NAME: name } },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${action} database: ${stderr || err.message}`))
          : resolve(stdout.trim()),
    );
  });
}

/**
 * Removes what a run left on the NATS or Redis server under its own prefix
 * (the stream, or the keys), through the api package's clients in a child
 * process, as for the scratch database.
 */
export function cleanBusNamespace(
  bus: 'nats' | 'redis',
  url: string,
  prefix: string,
): Promise<void> {
  const script =
    bus === 'nats'
      ? `import { connect } from '@nats-io/transport-node';
         import { jetstreamManager } from '@nats-io/jetstream';
         const nc = await connect({ servers: process.env.BUS_URL });
         const jsm = await jetstreamManager(nc);
         await jsm.streams.delete(process.env.BUS_PREFIX.toUpperCase() + '_SB_BOARDS').catch(() => {});
         await nc.close();`
      : `import { Redis } from 'ioredis';
         const redis = new Redis(process.env.BUS_URL);
         let cursor = '0';
         do {
           const [next, keys] = await redis.scan(cursor, 'MATCH', process.env.BUS_PREFIX + ':*', 'COUNT', 500);
           cursor = next;
           if (keys.length > 0) await redis.del(...keys);
         } while (cursor !== '0');
         redis.disconnect();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../../../api/', import.meta.url)),
        env: { ...process.env, BUS_URL: url, BUS_PREFIX: prefix },
      },
      (err, _stdout, stderr) =>
        err
          ? reject(new Error(`cleaning the ${bus} namespace: ${stderr || err.message}`))
          : resolve(),
    );
  });
}
