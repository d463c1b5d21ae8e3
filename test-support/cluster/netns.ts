import { execFileSync } from 'node:child_process';

/**
 * Test hosts as Linux network namespaces on one bridge. Every name the
 * harness creates starts with `prefix` (namespaces, the bridge, veth ends), so
 * a run that crashed can be cleaned up by the next one without a record of it.
 *
 *   root namespace: bridge <prefix>br  10.77.0.1/24 (the harness and its relays)
 *   host i:         namespace <prefix><name>, eth0 10.77.0.<10+i>/24, lo up
 */
export const defaultPrefix = 'sbc-';
export const subnet = '10.77.0';
export const bridgeAddress = `${subnet}.1`;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryIp(args: string[]): void {
  try {
    ip(args);
  } catch {
    // already gone
  }
}

export interface NetHost {
  name: string;
  namespace: string;
  address: string;
  /** The veth end in the root namespace, on the bridge: down = the host's cable pulled. */
  rootLink: string;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Pids of every process inside a namespace. */
export function namespacePids(namespace: string): number[] {
  try {
    return ip(['netns', 'pids', namespace])
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

export function killNamespace(namespace: string, signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of namespacePids(namespace)) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/** Removes every namespace and link whose name starts with prefix, and kills what runs inside. */
export function cleanupPrefix(prefix = defaultPrefix): void {
  const namespaces = ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
  for (const ns of namespaces) {
    killNamespace(ns);
    tryIp(['netns', 'del', ns]);
  }
  const links = ip(['-o', 'link', 'show'])
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith(prefix));
  for (const link of links) tryIp(['link', 'del', link]);
}

export class Network {
  readonly bridge: string;
  private readonly hosts = new Map<string, NetHost>();
  private next = 10;

  constructor(readonly prefix = defaultPrefix) {
    this.bridge = `${prefix}br`;
  }

  /** Clears leftovers of earlier runs, then makes the bridge. */
  create(): void {
    cleanupPrefix(this.prefix);
    ip(['link', 'add', this.bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${bridgeAddress}/24`, 'dev', this.bridge]);
    ip(['link', 'set', this.bridge, 'up']);
  }

  addHost(name: string): NetHost {
    const index = this.next++;
    const namespace = `${this.prefix}${name}`;
    const rootLink = `${this.prefix}h${index}`;
    const inner = `${this.prefix}n${index}`;
    const address = `${subnet}.${index}`;
    ip(['netns', 'add', namespace]);
    ip(['link', 'add', rootLink, 'type', 'veth', 'peer', 'name', inner]);
    ip(['link', 'set', inner, 'netns', namespace]);
    ip(['link', 'set', rootLink, 'master', this.bridge]);
    ip(['link', 'set', rootLink, 'up']);
    const inNs = (args: string[]) => ip(['-n', namespace, ...args]);
    inNs(['link', 'set', 'lo', 'up']);
    inNs(['link', 'set', inner, 'name', 'eth0']);
    inNs(['addr', 'add', `${address}/24`, 'dev', 'eth0']);
    inNs(['link', 'set', 'eth0', 'up']);
    const host = { name, namespace, address, rootLink };
    this.hosts.set(name, host);
    return host;
  }

  host(name: string): NetHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no host ${name}`);
    return host;
  }

  /** The host's cable: down, its peers' packets vanish (silence, no resets). */
  setLink(name: string, up: boolean): void {
    ip(['link', 'set', this.host(name).rootLink, up ? 'up' : 'down']);
  }

  destroy(): void {
    cleanupPrefix(this.prefix);
    this.hosts.clear();
  }
}
