import type { Backend } from '../backend.js';
import type { BackendConfig } from '../config/load.js';
import type { Lookup, LookupResult } from './dns-lookup.js';
import { parseDnsName, type DnsName } from './dns-name.js';

/** What a DNS group needs from its pool: a narrow interface, not the pool itself. */
export interface DnsGroupEnv {
  /** Resolves with the proxy's current `dns` settings. */
  lookup: Lookup;
  /** Adds a discovered backend; `ramp`: it joined a running pool (slow start applies). */
  add(cfg: BackendConfig, discoveredFrom: string, ramp: boolean): Backend;
  /** Takes a vanished backend out gently: no new requests, in-flight ones finish. */
  retire(backend: Backend): void;
  report(event: DiscoveryEvent): void;
}

export type DiscoveryEvent =
  | { kind: 'joined' | 'left'; name: string; backend: string; address: string }
  | { kind: 'gone'; name: string; drained: number }
  | { kind: 'failed'; name: string; error: string; kept: number };

/** A failure asks for a new answer at once, but never more often than this. */
const MIN_GAP_MS = 1000;

/**
 * The backends behind one `dns://host:port` entry of a pool. Invariant: after
 * each verdict about the name, `members` holds exactly one backend per address
 * of the answer (none after NXDOMAIN); an answer that is no verdict (SERVFAIL,
 * timeout) changes nothing. Addresses that appear join, those that vanish are
 * retired (drained, never cut).
 */
export class DnsGroup {
  readonly id: string;
  readonly dns: DnsName;
  weight: number;
  refreshMs: number;
  readonly members = new Map<string, Backend>();
  /** The last answer, for the admin API. */
  last: { at: string; result: LookupResult['kind']; error?: string } | undefined;
  readonly #env: DnsGroupEnv;
  #timer: NodeJS.Timeout | undefined;
  #resolving: Promise<void> | undefined;
  #lastStart = 0;
  #answered = false;
  #stopped = false;

  constructor(cfg: BackendConfig, refreshMs: number, env: DnsGroupEnv) {
    this.id = cfg.id;
    this.dns = parseDnsName(cfg.url);
    this.weight = cfg.weight;
    this.refreshMs = refreshMs;
    this.#env = env;
  }

  /** First resolution now, then every refreshMs. */
  start(): void {
    this.#schedule(0);
  }

  /** A member failed: the name may have changed, ask again soon (coalesced). */
  refreshSoon(): void {
    if (this.#stopped || this.#resolving) return;
    const wait = Math.max(0, this.#lastStart + MIN_GAP_MS - Date.now());
    this.#schedule(wait);
  }

  /** Resolves now (tests and the periodic timer); concurrent calls share one lookup. */
  refresh(): Promise<void> {
    this.#resolving ??= this.#resolve().finally(() => {
      this.#resolving = undefined;
      this.#schedule(this.refreshMs);
    });
    return this.#resolving;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Stops and drains every member (the entry left the config). */
  retireAll(): void {
    this.stop();
    for (const b of this.members.values()) this.#env.retire(b);
    this.members.clear();
  }

  /** The admin API removed a member: a later answer that still names it adds it again. */
  forget(backend: Backend): void {
    for (const [address, b] of this.members) if (b === backend) this.members.delete(address);
  }

  /** A reload changed the entry's weight: every member takes it. */
  setWeight(weight: number): void {
    this.weight = weight;
    for (const b of this.members.values()) b.weight = weight;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), ms);
    this.#timer.unref();
  }

  async #resolve(): Promise<void> {
    this.#lastStart = Date.now();
    let result: LookupResult;
    try {
      result = await this.#env.lookup(this.dns.host);
    } catch (e) {
      result = { kind: 'failed', error: (e as Error).message };
    }
    if (this.#stopped) return;
    this.last = {
      at: new Date().toISOString(),
      result: result.kind,
      ...(result.kind === 'failed' ? { error: result.error } : {}),
    };
    if (result.kind === 'failed') {
      this.#env.report({
        kind: 'failed',
        name: this.dns.name,
        error: result.error,
        kept: this.members.size,
      });
      return;
    }
    const addresses = result.kind === 'gone' ? [] : result.addresses;
    if (result.kind === 'gone' && this.members.size > 0) {
      this.#env.report({ kind: 'gone', name: this.dns.name, drained: this.members.size });
    }
    this.#apply(addresses, result.kind === 'gone');
  }

  #apply(addresses: readonly string[], gone: boolean): void {
    const wanted = new Set(addresses);
    for (const [address, b] of this.members) {
      if (wanted.has(address)) continue;
      this.members.delete(address);
      this.#env.retire(b);
      if (!gone) this.#env.report({ kind: 'left', name: this.dns.name, backend: b.id, address });
    }
    // The first answer is the pool's starting set; later ones join a running pool.
    const ramp = this.#answered;
    this.#answered = true;
    for (const address of addresses) {
      if (this.members.has(address)) continue;
      const host = address.includes(':') ? `[${address}]` : address;
      const b = this.#env.add(
        {
          id: `${this.id}-${address.replaceAll(':', '_')}`,
          url: `http://${host}:${this.dns.port}`,
          weight: this.weight,
        },
        this.dns.name,
        ramp,
      );
      this.members.set(address, b);
      this.#env.report({ kind: 'joined', name: this.dns.name, backend: b.id, address });
    }
  }

  snapshot() {
    return {
      id: this.id,
      name: this.dns.name,
      refresh_ms: this.refreshMs,
      addresses: [...this.members.keys()],
      last: this.last ?? null,
    };
  }
}
