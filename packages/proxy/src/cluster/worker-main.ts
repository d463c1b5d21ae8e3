/**
 * Entry point of a cluster worker (forked by cluster/primary.ts): waits for its
 * config, runs a full proxy on the shared listener without admin listener, and
 * answers the primary's admin, metrics and analytics requests over IPC.
 */
import pino from 'pino';
import type { AdminReply } from '../admin/api.js';
import { runAdmin } from '../admin/api.js';
import { parseJsonText } from '../admin/body.js';
import { CodedError } from '../errors.js';
import { ProxyServer } from '../proxy-server.js';
import { isProxyMessage, type FromWorker, type ToWorker } from './messages.js';

let proxy: ProxyServer | undefined;
let nextId = 1;
const pending = new Map<number, (v: { ok: boolean; value: unknown }) => void>();

function send(m: FromWorker): void {
  process.send?.(m);
}

function relayAdmin(
  method: string,
  url: string,
  auth: string | undefined,
  body: string,
): Promise<AdminReply> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (r) =>
      r.ok ? resolve(r.value as AdminReply) : reject(new Error(String(r.value))),
    );
    send({ sb: 'proxy', id, type: 'admin-up', method, url, auth, body });
  });
}

async function handle(m: ToWorker): Promise<unknown> {
  switch (m.type) {
    case 'start': {
      const logger = pino({
        level: m.config.log.level,
        base: { component: 'proxy', worker: process.env.SB_PROXY_WORKER },
      });
      proxy = new ProxyServer(m.config, {
        logger,
        baseDir: m.baseDir,
        shutdownGraceMs: m.grace,
        worker: { relayAdmin },
      });
      await proxy.start();
      if (m.analytics) proxy.analytics?.load(m.analytics);
      return { port: proxy.port, url: proxy.url };
    }
    case 'admin':
      return runAdmin(need(), m.method, m.url, async () => parseJsonText(m.body));
    case 'metrics':
      return need().metrics.registry.getMetricsAsJSON();
    case 'analytics':
      return need().analytics?.toJSON() ?? null;
    case 'backends':
      return need().backends();
    case 'reload':
      await need().reload(m.config);
      return true;
    case 'tls':
      return need().reloadTls();
    case 'close': {
      const p = need();
      await p.close();
      return p.analytics?.toJSON() ?? null;
    }
    case 'reply':
      return undefined;
  }
}

function need(): ProxyServer {
  if (!proxy) throw new Error('worker not started');
  return proxy;
}

process.on('message', (raw: unknown) => {
  if (!isProxyMessage(raw)) return;
  const m = raw as ToWorker;
  if (m.type === 'reply') {
    pending.get(m.id)?.({ ok: m.ok, value: m.value });
    pending.delete(m.id);
    return;
  }
  handle(m).then(
    (value) => {
      send({ sb: 'proxy', id: m.id, type: 'reply', ok: true, value });
      if (m.type === 'close') setImmediate(() => process.exit(0));
    },
    (e: unknown) => {
      const value =
        e instanceof CodedError ? { code: e.code, message: e.message } : (e as Error).message;
      send({ sb: 'proxy', id: m.id, type: 'reply', ok: false, value });
    },
  );
});

// Messages sent before this module has loaded would be lost: tell the primary we listen now.
send({ sb: 'proxy', id: 0, type: 'reply', ok: true, value: 'ready' });

// The primary decides when we stop; a terminal's Ctrl-C reaches every process of the group.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('SIGHUP', () => {});
process.on('disconnect', () => {
  void (proxy?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
