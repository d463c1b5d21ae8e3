import { apiConfigFromEnv, ConfigError, type RunningApi, startApi } from '@switchboard/api';

/**
 * `switchboard api`: one API instance configured from the environment. Under
 * `switchboard up` (or any parent with an IPC channel) it reports its port and
 * pid over IPC: `{type: 'listening', port, pid, instance}`.
 */
export async function runApi(): Promise<void> {
  let config;
  try {
    config = apiConfigFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`switchboard api: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // Filled in once started; a signal before that (still waiting for the database) just exits.
  const running: { api?: RunningApi } = {};
  let closing = false;
  // SIGTERM is a planned stop (rolling update, Kubernetes): wait SHUTDOWN_DELAY_MS
  // first. Ctrl-C and a vanished parent stop at once.
  const shutdown = async (planned = false) => {
    if (closing) return;
    closing = true;
    const api = running.api;
    const delay = api && planned ? config.shutdownDelayMs : 0;
    // /ready says draining while requests are still served, so load balancers
    // (the proxy's checks, Kubernetes endpoints) take us out before we stop accepting.
    api?.drain();
    const force = setTimeout(() => process.exit(0), delay + 10_000);
    force.unref();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    // Stop taking requests, close WebSockets with 1001, let in-flight ones finish,
    // then release the database.
    await api?.close().catch(() => {});
    process.exit(0);
  };
  // Handlers first: start-up may wait a long time for an unreachable database.
  process.on('SIGTERM', () => void shutdown(true));
  process.on('SIGINT', () => void shutdown());
  // Under `up`, the parent going away (even by SIGKILL) must not leave us running.
  process.on('disconnect', () => void shutdown());
  if (process.send && !process.connected) void shutdown();
  // Refusals found in the database (AUTH_MODE=open over accounts) name their variable too.
  const api = await startApi(config).catch((err: unknown) => {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`switchboard api: ${err.message}`);
    process.exit(2);
  });
  running.api = api;
  // With a callback, a parent already gone is an error passed to it, not an unhandled 'error' event.
  process.send?.(
    { type: 'listening', port: api.port, pid: process.pid, instance: config.instanceId },
    undefined,
    {},
    () => {},
  );
}
