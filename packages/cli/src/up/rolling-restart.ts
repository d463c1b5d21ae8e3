import type { ApiInstance, ApiSupervisor } from '../api-supervisor.js';
import { freePort } from '../embedded-postgres.js';

/** The proxy's admin API for one pool: how `up` (or a Kubernetes preStop hook) moves traffic. */
export interface PoolAdmin {
  add(id: string, url: string): Promise<void>;
  drain(id: string): Promise<void>;
  /** Requests the proxy still has in flight on a backend. */
  inFlight(id: string): Promise<number>;
  remove(id: string): Promise<void>;
}

export function poolAdmin(adminUrl: string, token: string, pool: string): PoolAdmin {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status >= 300 && res.status !== 404) {
      throw new Error(`proxy admin ${method} ${path}: ${res.status} ${text}`);
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    add: async (id, url) => void (await call('POST', '/admin/backends', { id, url, pool })),
    drain: async (id) => void (await call('POST', `/admin/backends/${id}/drain`, {})),
    inFlight: async (id) => {
      const { backends } = (await call('GET', `/admin/backends?pool=${pool}`)) as {
        backends: { id: string; stats: { active_requests: number } }[];
      };
      return backends.find((b) => b.id === id)?.stats.active_requests ?? 0;
    },
    remove: async (id) => void (await call('DELETE', `/admin/backends/${id}`)),
  };
}

/**
 * One instance in several pools (REST and WebSocket in `api`, gRPC in
 * `api-grpc` under its own backend id): each step is done in every pool, and
 * an instance's in-flight count is the sum.
 */
export function everyPool(
  pools: readonly { admin: PoolAdmin; id: (instanceId: string) => string }[],
): PoolAdmin {
  return {
    add: async (id, url) => void (await Promise.all(pools.map((p) => p.admin.add(p.id(id), url)))),
    drain: async (id) => void (await Promise.all(pools.map((p) => p.admin.drain(p.id(id))))),
    inFlight: async (id) =>
      (await Promise.all(pools.map((p) => p.admin.inFlight(p.id(id))))).reduce((a, b) => a + b, 0),
    remove: async (id) => void (await Promise.all(pools.map((p) => p.admin.remove(p.id(id))))),
  };
}

/** How long a drained instance's last requests may take before it is stopped anyway. */
const IN_FLIGHT_WAIT_MS = 10_000;

/**
 * `switchboard up` on SIGHUP: every API instance is replaced, one at a time,
 * with no failed request and no lost event. For each: start the successor and
 * wait until it is ready, add it to the proxy's pool, drain the old one (no new
 * requests; what it holds finishes), SIGTERM it — it closes WebSockets with
 * 1001 and clients resume by seq on another instance — then remove it. A
 * SIGHUP during a restart queues one more.
 */
export class RollingRestart {
  #running: Promise<void> | undefined;
  #again = false;

  constructor(
    private readonly supervisor: ApiSupervisor,
    private readonly admin: PoolAdmin,
    private readonly log: (line: string) => void,
  ) {}

  request(): void {
    if (this.#running) {
      this.#again = true;
      this.log('SIGHUP: a rolling restart is under way; another follows it');
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves when no restart is running (stop waits for it to reach a safe point). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      const t0 = Date.now();
      try {
        await this.restartAll();
        this.log(`rolling restart done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } catch (err) {
        this.log(`rolling restart failed: ${(err as Error).message}`);
      }
    } while (this.#again);
  }

  async restartAll(): Promise<void> {
    const ids = this.supervisor.list().map((i) => i.id);
    this.log(`SIGHUP: rolling restart of ${ids.join(', ')}`);
    for (const id of ids) {
      const next = await this.supervisor.replace(id, await freePort(), {
        started: (n) => this.admin.add(n.id, `http://127.0.0.1:${n.port}`),
        drain: (old) => this.#drain(old),
        stopped: (old) => this.admin.remove(old.id),
      });
      this.log(`${id} replaced by ${next.id} on port ${next.port}`);
    }
  }

  async #drain(old: ApiInstance): Promise<void> {
    await this.admin.drain(old.id);
    const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
    while ((await this.admin.inFlight(old.id)) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
