import { createServer } from 'node:net';
import { UpConfigError, type UpConfig } from '../up-config.js';

export interface Listener {
  /** The setting that names it, for the message. */
  variable: string;
  host: string;
  port: number;
}

/** The addresses `up` will listen on, each with the variable that sets it. */
export function upListeners(config: UpConfig): Listener[] {
  return [
    { variable: 'PORT', host: '0.0.0.0', port: config.port },
    { variable: 'ADMIN_ADDR', host: config.adminHost, port: config.adminPort },
    ...(config.grpcPort !== undefined && config.grpcPortExplicit
      ? [{ variable: 'GRPC_PORT', host: '0.0.0.0', port: config.grpcPort }]
      : []),
  ];
}

/**
 * The default gRPC port, when nobody asked for it: kept if free, else given
 * up with the reason (a laptop may well run another gRPC service on 50051,
 * and the board is worth running without it).
 */
export async function defaultGrpcPortTaken(config: UpConfig): Promise<string | undefined> {
  if (config.grpcPort === undefined || config.grpcPortExplicit) return undefined;
  const others = upListeners(config);
  const clash = others.find((l) => l.port === config.grpcPort);
  if (clash) return `port ${config.grpcPort} is ${clash.variable}'s`;
  const err = await tryListen('0.0.0.0', config.grpcPort);
  return err ? `0.0.0.0:${config.grpcPort} is not free (${err.code ?? err.message})` : undefined;
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

const wildcard = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * Checks every listener can be had before anything is created or started (a
 * database, API instances), so a port in use is found in a second, naming
 * the variable to change, rather than after a minute of start-up.
 */
export async function checkListenersFree(listeners: readonly Listener[]): Promise<void> {
  for (const [i, listener] of listeners.entries()) {
    const clash = listeners
      .slice(0, i)
      .find(
        (other) =>
          other.port === listener.port &&
          (other.host === listener.host || wildcard(other.host) || wildcard(listener.host)),
      );
    if (clash) {
      throw new UpConfigError(
        listener.variable,
        `port ${listener.port} is already ${clash.variable}'s; give each its own port`,
      );
    }
    const err = await tryListen(listener.host, listener.port);
    if (!err) continue;
    const where = `${listener.host.includes(':') ? `[${listener.host}]` : listener.host}:${listener.port}`;
    const why =
      err.code === 'EADDRINUSE'
        ? 'is in use by another program; stop it or choose another port'
        : err.code === 'EACCES'
          ? 'needs privileges this user lacks; choose a port above 1023'
          : err.code === 'EADDRNOTAVAIL'
            ? 'is not an address of this machine'
            : `cannot be listened on (${err.code ?? err.message})`;
    throw new UpConfigError(listener.variable, `${where} ${why}`);
  }
}
