import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** "::ffff:10.0.0.1" → "10.0.0.1", so v4 clients on dual-stack sockets match v4 CIDRs. */
export function normalizeIp(addr: string | undefined): string {
  if (!addr) return '';
  if (addr.startsWith('::ffff:') && isIPv4(addr.slice(7))) return addr.slice(7);
  return addr;
}

/** The `trusted_proxies` CIDR list: only peers in it may tell us who the client is. */
export class TrustedProxies {
  readonly #list: BlockList | undefined;

  constructor(cidrs: readonly string[]) {
    if (cidrs.length === 0) return;
    const list = new BlockList();
    for (const c of cidrs) {
      const [addr, bits] = c.split('/') as [string, string | undefined];
      const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(addr, type);
      else list.addSubnet(addr, Number(bits), type);
    }
    this.#list = list;
  }

  get empty(): boolean {
    return this.#list === undefined;
  }

  isTrusted(ip: string): boolean {
    const list = this.#list;
    if (!list || !ip) return false;
    return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
  }

  /**
   * The client address — the one rule every engine, the rate limits and the
   * strategies use: the peer, or — when the peer is a trusted proxy — the
   * right-most X-Forwarded-For entry that is not itself a trusted proxy.
   */
  clientIp(peer: string, xff: string | undefined): string {
    if (this.#list === undefined || xff === undefined || !this.isTrusted(peer)) return peer;
    const parts = xff.split(',');
    for (let i = parts.length - 1; i >= 0; i--) {
      const ip = normalizeIp((parts[i] as string).trim());
      if (!ip) continue;
      if (!this.isTrusted(ip)) return ip;
      if (i === 0) return ip;
    }
    return peer;
  }
}
