import { connect } from 'node:net';
import pino from 'pino';
import {
  parseProxyConfig,
  startProxy,
  type RunningProxy,
  type StartOptions,
} from '../../src/index.js';
import type { ProxyServer } from '../../src/proxy-server.js';
import type { Engine } from './engines.js';

export const silentLogger = pino({ level: 'silent' });

/**
 * Starts a proxy on `engine` (see forEachEngine), on loopback port 0 (admin
 * too), with logs and persistence off.
 */
export async function startTestProxy(
  engine: Engine,
  input: Record<string, unknown>,
  opts: StartOptions = {},
): Promise<ProxyServer> {
  const config = parseProxyConfig({
    listen: '127.0.0.1:0',
    log: { level: 'silent', access: false },
    analytics: { persist: false },
    ...input,
    server: { ...(input.server as object | undefined), engine },
    admin: { listen: '127.0.0.1:0', ...(input.admin as object | undefined) },
  });
  const proxy: RunningProxy = await startProxy(config, {
    logger: silentLogger,
    shutdownGraceMs: 500,
    ...opts,
  });
  return proxy as ProxyServer;
}

/** Sends raw bytes and collects everything until the server closes (or `waitMs`). */
export function rawRequest(port: number, data: string | Buffer, waitMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(data);
  });
}

export function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

export function bodyOf(raw: string): string {
  const i = raw.indexOf('\r\n\r\n');
  return i === -1 ? '' : raw.slice(i + 4);
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  stepMs = 10,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
