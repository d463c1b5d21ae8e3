import { isIP } from 'node:net';

/** A pool backend that names a DNS name: every A/AAAA address of `host` is a backend on `port`. */
export interface DnsName {
  host: string;
  port: number;
  /** `dns://host:port`, as written in the config (lower-cased). */
  name: string;
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

export function isDnsUrl(url: string): boolean {
  return /^dns:/i.test(url);
}

/**
 * What is wrong with a `dns://host:port` backend URL, or undefined when it is
 * valid. The port is required: the addresses a name resolves to carry none.
 */
export function dnsNameProblem(url: string): string | undefined {
  const m = /^dns:\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!m) return 'Expected dns://host:port';
  const [, authority = '', rest = ''] = m;
  if (rest !== '' && rest !== '/')
    return 'A dns:// backend is a name and a port, without path or query';
  if (authority.includes('@')) return 'A dns:// backend takes no credentials';
  const hp = /^(.*):(\d{1,5})$/.exec(authority);
  if (!hp) return 'A dns:// backend needs a port (dns://host:port)';
  const host = (hp[1] ?? '').toLowerCase().replace(/\.$/, '');
  const port = Number(hp[2]);
  if (port < 1 || port > 65535) return `Port out of range (1-65535): ${hp[2]}`;
  if (isIP(host.replace(/^\[|\]$/g, '')))
    return 'An IP address needs no DNS: use http://address:port';
  if (host.length === 0 || host.length > 253) return 'Expected a host name of 1-253 characters';
  if (!host.split('.').every((l) => LABEL.test(l)))
    return `Not a valid host name: ${host} (letters, digits and dashes between dots)`;
  return undefined;
}

/** Parses a valid `dns://host:port`; throws with dnsNameProblem's message otherwise. */
export function parseDnsName(url: string): DnsName {
  const problem = dnsNameProblem(url);
  if (problem) throw new Error(problem);
  const authority = url.slice('dns://'.length).replace(/\/$/, '');
  const i = authority.lastIndexOf(':');
  const host = authority.slice(0, i).toLowerCase().replace(/\.$/, '');
  const port = Number(authority.slice(i + 1));
  return { host, port, name: `dns://${host}:${port}` };
}
