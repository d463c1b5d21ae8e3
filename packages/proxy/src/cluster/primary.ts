import cluster, { type Worker } from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import { authorized, errorReply, writeReply, type AdminReply } from '../admin/api.js';
import { readText } from '../admin/body.js';
import { Analytics } from '../analytics/engine.js';
import type { BackendSnapshot } from '../backend.js';
import { isLoopback, type ProxyConfig } from '../config/load.js';
import { CodedError, proxyError } from '../errors.js';
import { onClientError } from '../engines/node/client-errors.js';
import { createLogger, type Logger } from '../logging.js';
import { exposition } from '../metrics.js';
import type { RunningProxy, StartOptions } from '../types.js';
import { analyticsScope, mergedAnalytics } from '../shared/analytics-scope.js';
import { openSharedState, type SharedState } from '../shared/shared-state.js';
import { analyticsReply, mergeBodies, mergeSnapshots } from './merge.js';
import { isProxyMessage, type FromWorker, type ToWorker } from './messages.js';

type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Request = DistOmit<ToWorker, 'sb' | 'id'>;

/**
 * The cluster primary: forks the workers (each a full proxy on the shared
 * listener), restarts any that die, and hosts the admin API over all of them —
 * changes go to every worker, reads are merged (stats summed, metrics
 * aggregated, analytics merged).
 */
class ClusterProxy implements RunningProxy {
  config: ProxyConfig;
  readonly workers: number;
  url = '';
  adminUrl = '';
  port = 0;
  adminPort = 0;
  readonly #log: Logger;
  readonly #opts: StartOptions;
  readonly #slots: (Worker | undefined)[];
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  #nextId = 1;
  #admin: Server | undefined;
  #closing = false;
  #snapshot: BackendSnapshot[] = [];
  #timer: NodeJS.Timeout | undefined;
  #shared: SharedState | undefined;

  constructor(config: ProxyConfig, workers: number, opts: StartOptions) {
    this.config = config;
    this.workers = workers;
    this.#opts = opts;
    this.#log = opts.logger ?? createLogger(config);
    this.#slots = new Array<Worker | undefined>(workers);
  }

  async start(): Promise<void> {
    const here = fileURLToPath(import.meta.url);
    const fromSource = here.endsWith('.ts');
    cluster.setupPrimary({
      exec: path.join(path.dirname(here), `worker-main${fromSource ? '.ts' : '.js'}`),
      execArgv: fromSource ? ['--conditions=source', '--import', 'tsx'] : process.execArgv,
    });
    const needsLimiterMaster = !(this.config.rate_limit.redis_url ?? this.config.shared.redis_url);
    if (needsLimiterMaster) new RateLimiterClusterMaster();
    const started = await Promise.all(
      Array.from({ length: this.workers }, (_, i) => this.#fork(i)),
    );
    this.port = started[0]?.port ?? 0;
    this.url = started[0]?.url ?? '';
    const cfg = this.config;
    if (cfg.admin.enabled) {
      if (!cfg.admin.token && !isLoopback(cfg.admin.listen.host)) {
        throw new Error('admin.token is required when the admin API listens beyond loopback');
      }
      const admin = createServer((req, res) => void this.#onAdmin(req, res));
      admin.on('clientError', onClientError);
      this.#admin = admin;
      this.adminPort = await new Promise<number>((resolve, reject) => {
        admin.once('error', reject);
        admin.listen({ host: cfg.admin.listen.host, port: cfg.admin.listen.port }, () =>
          resolve((admin.address() as AddressInfo).port),
        );
      });
      const h = cfg.admin.listen.host;
      this.adminUrl = `http://${h === '0.0.0.0' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h}:${this.adminPort}`;
    }
    // Every worker applies the logged admin changes, and this process speaks for them all.
    this.#shared = await openSharedState(
      cfg,
      this.#baseDir(),
      (method, url, body) => this.#onWorkers(method, url, body),
      cfg.analytics.enabled ? () => this.#workersAnalytics().then((a) => a.toJSON()) : undefined,
      this.#log,
    );
    this.#timer = setInterval(() => void this.#refresh(), 1000);
    this.#timer.unref();
    await this.#refresh();
    this.#log.info(
      { url: this.url, admin: this.adminUrl || null, workers: this.workers },
      'proxy cluster listening',
    );
  }

  async #fork(slot: number): Promise<{ port: number; url: string }> {
    const worker = cluster.fork({ SB_PROXY_WORKER: String(slot + 1) });
    this.#slots[slot] = worker;
    const ready = new Promise<void>((resolve) =>
      worker.on('message', (m: unknown) => {
        if (isProxyMessage(m) && m.id === 0) resolve();
        else this.#onMessage(worker, m);
      }),
    );
    worker.once('exit', (code, signal) => {
      if (this.#slots[slot] === worker) this.#slots[slot] = undefined;
      if (this.#closing) return;
      this.#log.error({ worker: slot + 1, code, signal }, 'proxy worker died; restarting it');
      setTimeout(
        () =>
          void this.#fork(slot)
            .then(() => this.#catchUp(slot))
            .catch((e: unknown) => this.#log.error({ err: String(e) }, 'restart failed')),
        500,
      ).unref();
    });
    await ready;
    const cfg = this.config;
    // Worker 1 carries the saved history (the file is only written at shutdown, so a
    // restarted worker 1 gets it again without double counting).
    let analytics: unknown = null;
    if (slot === 0 && cfg.analytics.enabled && cfg.analytics.persist) {
      analytics = (
        await Analytics.fromFile(this.#analyticsPath()).catch(() => new Analytics())
      ).toJSON();
    }
    return (await this.#ask(worker, {
      type: 'start',
      config: { ...cfg, analytics: { ...cfg.analytics, persist: false } },
      baseDir: this.#baseDir(),
      grace: this.#opts.shutdownGraceMs ?? 10_000,
      analytics,
    })) as { port: number; url: string };
  }

  /** A restarted worker starts from the config: the logged admin changes bring it level. */
  async #catchUp(slot: number): Promise<void> {
    const worker = this.#slots[slot];
    const admin = this.#shared?.admin;
    if (!worker || !admin) return;
    await admin.replayTo(
      async (method, url, body) =>
        (await this.#ask(worker, { type: 'admin', method, url, body })) as AdminReply,
    );
  }

  #baseDir(): string {
    return this.#opts.baseDir ?? process.cwd();
  }

  #analyticsPath(): string {
    return path.resolve(this.#baseDir(), this.config.data_dir, 'proxy-analytics.json');
  }

  #onMessage(worker: Worker, raw: unknown): void {
    if (!isProxyMessage(raw)) return;
    const m = raw as FromWorker;
    if (m.type === 'reply') {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (!p) return;
      if (m.ok) p.resolve(m.value);
      else {
        const v = m.value as { code?: string; message?: string } | string;
        p.reject(
          typeof v === 'object' && v.code
            ? proxyError(v.code as 'SB_ERR_VALIDATION', v.message)
            : new Error(typeof v === 'string' ? v : 'worker error'),
        );
      }
      return;
    }
    // /admin on a worker's main listener: run it here, over all workers.
    void this.#admin_(m.method, m.url, m.auth, m.body).then(
      (value) =>
        worker.send({ sb: 'proxy', id: m.id, type: 'reply', ok: true, value } satisfies ToWorker),
      (e: unknown) =>
        worker.send({
          sb: 'proxy',
          id: m.id,
          type: 'reply',
          ok: false,
          value: String(e),
        } satisfies ToWorker),
    );
  }

  #ask(worker: Worker, req: Request): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.send({ ...req, sb: 'proxy', id } as ToWorker);
    });
  }

  #all(req: Request): Promise<unknown[]> {
    return Promise.all(this.#live().map((w) => this.#ask(w, req)));
  }

  #live(): Worker[] {
    return this.#slots.filter((w): w is Worker => w !== undefined && w.isConnected());
  }

  async #refresh(): Promise<void> {
    try {
      const lists = (await this.#all({ type: 'backends' })) as BackendSnapshot[][];
      this.#snapshot = mergeSnapshots(lists);
    } catch {
      // A worker restarting; keep the last snapshot.
    }
  }

  backends(): BackendSnapshot[] {
    return this.#snapshot;
  }

  async #onAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readText(req);
      writeReply(
        res,
        await this.#admin_(req.method ?? 'GET', req.url ?? '/', req.headers.authorization, body),
      );
    } catch (e) {
      writeReply(res, errorReply(e instanceof CodedError ? e : proxyError('SB_ERR_INTERNAL')));
    }
  }

  async #admin_(
    method: string,
    url: string,
    auth: string | undefined,
    body: string,
  ): Promise<AdminReply> {
    if (
      !authorized(this.config.admin.token, { headers: { authorization: auth } } as IncomingMessage)
    ) {
      return errorReply(proxyError('SB_ERR_UNAUTHENTICATED'));
    }
    const u = new URL(url, 'http://admin.invalid');
    const p = u.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET' && p === '/metrics') {
      const all = (await this.#all({ type: 'metrics' })) as MetricObjectWithValues<
        MetricValue<string>
      >[][];
      const reg = AggregatorRegistry.aggregate(all);
      return { status: 200, type: reg.contentType, body: exposition(await reg.metrics()) };
    }
    if (method === 'GET' && (p === '/admin/analytics' || p === '/admin/analytics/report')) {
      const merged = await this.#workersAnalytics();
      const shared = this.#shared;
      if (shared?.analytics && analyticsScope(method, url) === 'all') {
        const view = await mergedAnalytics([merged.toJSON()], shared, this.#log);
        return view.annotate(analyticsReply(view.analytics, p, u.searchParams));
      }
      return analyticsReply(merged, p, u.searchParams);
    }
    if (method === 'POST' && p === '/admin/reload') {
      const reload = this.#opts.reloadConfig;
      if (!reload)
        return errorReply(
          proxyError('SB_ERR_CONFLICT', 'This proxy was not started from a config file.'),
        );
      await this.reload(await reload());
      return { status: 200, type: 'application/json; charset=utf-8', body: '{"reloaded":true}' };
    }
    if (this.#shared?.admin) return this.#shared.admin.handle(method, url, body);
    return this.#onWorkers(method, url, body);
  }

  async #workersAnalytics(): Promise<Analytics> {
    const merged = new Analytics();
    for (const dump of await this.#all({ type: 'analytics' })) merged.merge(dump);
    return merged;
  }

  /** An admin request run by every worker: changes reach them all; reads are merged. */
  async #onWorkers(method: string, url: string, body: string): Promise<AdminReply> {
    const p = new URL(url, 'http://admin.invalid').pathname.replace(/\/+$/, '') || '/';
    const replies = (await this.#all({ type: 'admin', method, url, body })) as AdminReply[];
    const first = replies[0];
    if (!first) return errorReply(proxyError('SB_ERR_UNAVAILABLE'));
    if (method === 'GET' && first.status === 200 && /^\/admin\/(backends|pools)/.test(p)) {
      return {
        ...first,
        body: JSON.stringify(mergeBodies(replies.map((r) => JSON.parse(r.body) as unknown))),
      };
    }
    if (method !== 'GET') void this.#refresh();
    return first;
  }

  async reload(config: ProxyConfig): Promise<void> {
    this.config = config;
    await this.#all({
      type: 'reload',
      config: { ...config, analytics: { ...config.analytics, persist: false } },
    });
    await this.#refresh();
  }

  async reloadTls(): Promise<{ reloaded: boolean; source?: string }> {
    const r = (await this.#all({ type: 'tls' })) as { reloaded: boolean; source?: string }[];
    return r[0] ?? { reloaded: false };
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#timer);
    const admin = this.#admin;
    if (admin) {
      await new Promise<void>((r) => {
        admin.close(() => r());
        admin.closeAllConnections();
      });
    }
    // Its last analytics reach the others while the workers still answer.
    await this.#shared?.close().catch(() => {});
    const dumps = await Promise.allSettled(
      this.#live().map((w) => this.#ask(w, { type: 'close' })),
    );
    const cfg = this.config;
    if (cfg.analytics.enabled && cfg.analytics.persist) {
      // Worker 1 started with the saved history, so the dumps hold it all.
      const file = this.#analyticsPath();
      const merged = new Analytics();
      for (const d of dumps) if (d.status === 'fulfilled') merged.merge(d.value);
      await merged
        .save(file)
        .catch((e: unknown) => this.#log.warn({ err: String(e) }, 'could not save analytics'));
    }
    await Promise.all(
      this.#slots
        .filter((w) => w !== undefined)
        .map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const t = setTimeout(() => w.kill('SIGKILL'), 5000);
              w.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
            }),
        ),
    );
    this.#log.info('proxy cluster closed');
  }
}

export async function startCluster(
  config: ProxyConfig,
  workers: number,
  opts: StartOptions,
): Promise<RunningProxy> {
  if (!cluster.isPrimary) throw new Error('startCluster must run in the primary process');
  const proxy = new ClusterProxy(config, workers, opts);
  try {
    await proxy.start();
  } catch (e) {
    await proxy.close().catch(() => {});
    throw e;
  }
  return proxy;
}
