import { createServer, type Server } from 'node:http';
import type { ProxyConfig } from './config/load.js';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** A host for URLs: wildcard binds become loopback, IPv6 gets brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.removeListener('error', onError);
      // Later errors (e.g. EMFILE on accept) must not crash the process; node retries accepting.
      server.on('error', (err: Error) =>
        process.emitWarning(`proxy listener error: ${err.message}`),
      );
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** node:http options of the main listener, from `server:`. */
export function mainServerOptions(cfg: ProxyConfig) {
  const s = cfg.server;
  // node requires headersTimeout <= requestTimeout.
  const headersTimeout = Math.min(s.headers_timeout, s.request_timeout || Infinity);
  return {
    maxHeaderSize: s.max_header_size,
    headersTimeout,
    requestTimeout: s.request_timeout,
    keepAliveTimeout: s.keep_alive_timeout,
    // Checked by the proxy so the answer is a coded 400 like every other.
    requireHostHeader: false,
    // How often node looks for timed-out requests: fine enough for the timeout.
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
  };
}

/** The plain-HTTP listener that sends everyone to https on the main port (308 keeps the method). */
export function createRedirectServer(listenHost: string, mainPort: () => number): Server {
  return createServer((req, res) => {
    const host = (req.headers.host ?? urlHost(listenHost)).replace(/:\d+$/, '');
    const port = mainPort() === 443 ? '' : `:${mainPort()}`;
    res.writeHead(308, {
      location: `https://${host}${port}${req.url ?? '/'}`,
      'content-length': 0,
    });
    res.end();
  });
}
