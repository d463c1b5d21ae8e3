import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Where and how names are resolved (the config's top-level `dns`). */
export interface DnsSettings {
  /** `ip` or `ip:port` / `[ip]:port`; empty: the system's resolvers (/etc/resolv.conf). */
  servers: string[];
  /** Per try, ms. */
  timeout: number;
  tries: number;
}

/**
 * One resolution of a name:
 * - `addresses`: the name answered (possibly with no address: NODATA);
 * - `gone`: NXDOMAIN, the name does not exist (any more);
 * - `failed`: no verdict (SERVFAIL, timeout, refused): the caller keeps what it had.
 */
export type LookupResult =
  { kind: 'addresses'; addresses: string[] } | { kind: 'gone' } | { kind: 'failed'; error: string };

export type Lookup = (host: string) => Promise<LookupResult>;

/** c-ares codes that are a verdict about the name rather than a failure to get one. */
const NO_SUCH_NAME = new Set(['ENOTFOUND']);
const NO_RECORDS = new Set(['ENODATA']);

/** A and AAAA through node:dns's Resolver (c-ares), asked in parallel. */
export function dnsLookup(settings: DnsSettings): Lookup {
  const resolver = new Resolver({ timeout: settings.timeout, tries: settings.tries });
  if (settings.servers.length > 0) resolver.setServers(settings.servers);
  return async (host) => {
    const answers = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses: string[] = [];
    let gone = 0;
    for (const a of answers) {
      if (a.status === 'fulfilled') {
        addresses.push(...a.value);
        continue;
      }
      const code = (a.reason as NodeJS.ErrnoException).code ?? '';
      if (NO_SUCH_NAME.has(code)) gone++;
      else if (!NO_RECORDS.has(code)) {
        // One family failing says nothing about the name: keep the last good set.
        return { kind: 'failed', error: `${code || (a.reason as Error).message}` };
      }
    }
    if (gone > 0 && addresses.length === 0) return { kind: 'gone' };
    return { kind: 'addresses', addresses: [...new Set(addresses)].sort(compareAddresses) };
  };
}

/** IPv4 before IPv6, then in text order: a stable order for stable backend lists. */
function compareAddresses(a: string, b: string): number {
  return isIP(a) - isIP(b) || (a < b ? -1 : a > b ? 1 : 0);
}
