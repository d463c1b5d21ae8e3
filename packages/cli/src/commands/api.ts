import { apiConfigFromEnv, ConfigError, startApi } from '@switchboard/api';

/**
 * `switchboard api`: one API instance configured from the environment. Under
 * `switchboard up` it runs as a child process and reports its port over IPC.
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
  // Refusals found in the database (AUTH_MODE=open over accounts) name their variable too.
  const api = await startApi(config).catch((err: unknown) => {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`switchboard api: ${err.message}`);
    process.exit(2);
  });
  // With a callback, a parent already gone is an error passed to it, not an unhandled 'error' event.
  process.send?.(
    { type: 'listening', port: api.port, instance: config.instanceId },
    undefined,
    {},
    () => {},
  );
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    // Stop taking requests, let in-flight ones finish, then release the database.
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    await api.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  // Under `up`, the parent going away (even by SIGKILL) must not leave us running.
  process.on('disconnect', () => void shutdown());
}
