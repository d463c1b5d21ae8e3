import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseProxyConfig } from '../src/index.js';
import type { ProxyServer } from '../src/proxy-server.js';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';

const { Packet } = dns2;
const NAME = 'api-headless.switchboard.svc.cluster.local';

/**
 * A real DNS server on loopback (UDP) whose answers the test changes:
 * `records` for NAME, or a whole-name verdict (NXDOMAIN) or a failure (SERVFAIL).
 */
class TestDns {
  records: string[] = [];
  mode: 'answer' | 'nxdomain' | 'servfail' = 'answer';
  queries = 0;
  readonly server = dns2.createServer({
    udp: true,
    handle: (req, send) => {
      const res = Packet.createResponseFromRequest(req);
      const q = req.questions[0] as { name: string; type: number } | undefined;
      this.queries++;
      const header = (res as unknown as { header: { rcode: number; aa: number } }).header;
      header.aa = 1;
      if (!q || q.name.toLowerCase() !== NAME || this.mode === 'nxdomain') {
        header.rcode = 3;
      } else if (this.mode === 'servfail') {
        header.rcode = 2;
      } else {
        const want = q.type === Packet.TYPE.AAAA ? 6 : 4;
        for (const address of this.records) {
          if (address.includes(':') !== (want === 6)) continue;
          res.answers.push({
            name: q.name,
            type: want === 6 ? Packet.TYPE.AAAA : Packet.TYPE.A,
            class: Packet.CLASS.IN,
            ttl: 0,
            address,
            // Serialised by the packet writer: a plain record is what it takes.
          } as (typeof res.answers)[number]);
        }
      }
      void send(res);
    },
  });
  address = '';

  async start(): Promise<void> {
    await this.server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const udp = (this.server as unknown as { servers: { udp: { address(): AddressInfo } } }).servers
      .udp;
    this.address = `127.0.0.1:${udp.address().port}`;
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

interface Snap {
  id: string;
  url: string;
  state: string;
  discovered_from: string | null;
  stats: { active_requests: number };
}

async function admin<T>(
  p: ProxyServer,
  path: string,
  init: { method?: string; body?: unknown } = {},
) {
  const res = await request(p.adminUrl + path, {
    method: (init.method ?? 'GET') as 'GET',
    ...(init.body !== undefined
      ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as T };
}

const backendsOf = async (p: ProxyServer) =>
  (await admin<{ backends: Snap[] }>(p, '/admin/backends')).body.backends;

/** Hosts (as in the backend URLs) the proxy currently has, sorted. */
const hostsOf = async (p: ProxyServer) =>
  (await backendsOf(p)).map((b) => new URL(b.url).hostname).sort();

async function get(
  p: ProxyServer,
  path = '/',
): Promise<{ status: number; servedBy: string; body: string }> {
  const res = await request(p.url + path);
  return {
    status: res.statusCode,
    servedBy: String(res.headers['x-served-by'] ?? ''),
    body: await res.body.text(),
  };
}

describe('discovery through DNS (dns:// backends, a real DNS server on loopback)', () => {
  const dns = new TestDns();
  const backends: TestBackend[] = [];
  let port = 0;
  /** Requests to /slow on this backend wait until released. */
  let release: (() => void) | undefined;
  const held: (() => void)[] = [];

  beforeAll(async () => {
    await dns.start();
    const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '::1'];
    for (const host of hosts) {
      const b = await startBackend(host, {
        host,
        port,
        handler: (req, res) => {
          const answer = () => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end(`served by ${host}`);
          };
          if (req.url === '/slow' && host === '127.0.0.2') held.push(answer);
          else answer();
        },
      });
      port = b.port;
      backends.push(b);
    }
    release = () => {
      for (const h of held.splice(0)) h();
    };
  });
  afterAll(async () => {
    release?.();
    await Promise.all(backends.map((b) => b.close()));
    await dns.close();
  });

  function proxyConfig(refresh: string) {
    return {
      dns: { servers: [dns.address], timeout: 500, tries: 1 },
      pools: {
        api: {
          backends: [{ id: 'api', url: `dns://${NAME}:${port}` }],
          strategy: 'weighted-round-robin',
          slow_start: '1h',
          dns_refresh: refresh,
          health: { enabled: false },
          passive: { enabled: false },
          retries: { max_retries: 0 },
        },
      },
    };
  }

  it('joins new addresses (A and AAAA) with slow start, drains vanished ones, drains on NXDOMAIN, keeps the set on SERVFAIL', async () => {
    dns.records = ['127.0.0.2', '127.0.0.3'];
    const p = await startTestProxy('raw', proxyConfig('100ms'));
    try {
      await waitFor(async () => (await hostsOf(p)).length === 2);
      const first = await backendsOf(p);
      expect(first.map((b) => b.discovered_from)).toEqual([
        `dns://${NAME}:${port}`,
        `dns://${NAME}:${port}`,
      ]);
      // The starting set is the pool's: no slow start for it.
      expect(first.map((b) => b.state)).toEqual(['up', 'up']);
      expect(first.map((b) => b.id).sort()).toEqual(['api-127.0.0.2', 'api-127.0.0.3']);
      const served = new Set<string>();
      for (let i = 0; i < 10; i++) served.add((await get(p)).body);
      expect([...served].sort()).toEqual(['served by 127.0.0.2', 'served by 127.0.0.3']);

      // Two addresses appear, one of them IPv6: they join in slow start and get traffic.
      dns.records = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '::1'];
      await waitFor(async () => (await hostsOf(p)).length === 4);
      const joined = (await backendsOf(p)).filter((b) => /127\.0\.0\.4|::1/.test(b.url));
      expect(joined.map((b) => b.state)).toEqual(['starting', 'starting']);
      expect(joined.map((b) => b.id).sort()).toEqual(['api-127.0.0.4', 'api-__1']);
      const seen = new Map<string, number>();
      for (let i = 0; i < 120; i++) {
        const r = await get(p);
        expect(r.status).toBe(200);
        seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
      }
      expect(seen.get('served by 127.0.0.4')).toBeGreaterThan(0);
      expect(seen.get('served by ::1')).toBeGreaterThan(0);
      // Ramping from 5 %: far fewer than the old members.
      expect(seen.get('served by 127.0.0.4')!).toBeLessThan(seen.get('served by 127.0.0.2')!);

      // A request in flight on 127.0.0.2 while it vanishes from DNS: drained, not cut.
      let slow: Promise<{ status: number; body: string }> | undefined;
      for (let i = 0; i < 50 && !slow; i++) {
        const pending = get(p, '/slow');
        const answered = await Promise.race([
          pending.then(() => true),
          waitFor(() => held.length > 0).then(() => false),
        ]);
        if (!answered) slow = pending;
      }
      expect(slow).toBeDefined();
      dns.records = ['127.0.0.3', '127.0.0.4', '::1'];
      await waitFor(async () => !(await hostsOf(p)).includes('127.0.0.2'));
      for (let i = 0; i < 20; i++) expect((await get(p)).body).not.toBe('served by 127.0.0.2');
      release?.();
      expect(await slow).toMatchObject({ status: 200, body: 'served by 127.0.0.2' });

      // SERVFAIL (and timeouts) are no verdict: the last good set stays.
      dns.mode = 'servfail';
      const lastOf = async () =>
        (
          await admin<{ pools: { dns: { last: { result: string; at: string } | null }[] }[] }>(
            p,
            '/admin/pools',
          )
        ).body.pools[0]!.dns[0]!.last;
      await waitFor(async () => (await lastOf())?.result === 'failed');
      const failedAt = (await lastOf())?.at;
      // One more failed lookup after the first: the set survived both.
      await waitFor(async () => (await lastOf())?.at !== failedAt);
      expect(await hostsOf(p)).toEqual(['127.0.0.3', '127.0.0.4', '[::1]']);
      expect((await get(p)).status).toBe(200);

      // NXDOMAIN: the name is gone, so are its backends (drained).
      dns.mode = 'nxdomain';
      await waitFor(async () => (await hostsOf(p)).length === 0);
      const none = await get(p);
      expect(none.status).toBe(503);
      expect(JSON.parse(none.body).error.code).toBe('SB_ERR_NO_BACKEND');
      expect((await get(p, '/ready')).status).toBe(503);

      // The name returns: its addresses join again.
      dns.mode = 'answer';
      dns.records = ['127.0.0.3'];
      await waitFor(async () => (await hostsOf(p)).length === 1);
      expect((await get(p)).body).toBe('served by 127.0.0.3');
    } finally {
      release?.();
      await p.close();
    }
  });

  it('resolves again at once when a discovered backend fails (not only every dns_refresh)', async () => {
    dns.mode = 'answer';
    dns.records = ['127.0.0.5']; // nothing listens there
    const p = await startTestProxy('raw', proxyConfig('1h'));
    try {
      await waitFor(async () => (await hostsOf(p)).length === 1);
      dns.records = ['127.0.0.3'];
      const before = dns.queries;
      expect((await get(p)).status).toBe(502);
      await waitFor(async () => (await hostsOf(p)).join() === '127.0.0.3');
      expect(dns.queries).toBeGreaterThan(before);
      expect((await get(p)).body).toBe('served by 127.0.0.3');
    } finally {
      await p.close();
    }
  });

  it('refuses bad dns:// backends and resolvers with errors naming the key', async () => {
    const issues = (input: unknown): string[] => {
      try {
        parseProxyConfig(input);
      } catch (e) {
        if (e instanceof ConfigError) return e.issues;
        throw e;
      }
      return [];
    };
    expect(
      issues({
        pools: {
          api: {
            backends: [
              { url: 'dns://api-headless.default.svc' },
              { url: 'dns://10.0.0.1:3000' },
              { url: 'dns://bad_name!.svc:3000' },
              { url: 'dns://api.svc:3000/path' },
              { url: 'dns://api.svc:70000' },
            ],
            dns_refresh: 'often',
          },
        },
        dns: { servers: ['not-an-ip'], tries: 0 },
      }),
    ).toEqual([
      'dns.servers[0]: Expected a resolver address: ip, ip:port or [ipv6]:port',
      'dns.tries: Too small: expected number to be >=1',
      'pools.api.backends[0].url: A dns:// backend needs a port (dns://host:port)',
      'pools.api.backends[1].url: An IP address needs no DNS: use http://address:port',
      'pools.api.backends[2].url: Not a valid host name: bad_name!.svc (letters, digits and dashes between dots)',
      'pools.api.backends[3].url: A dns:// backend is a name and a port, without path or query',
      'pools.api.backends[4].url: Port out of range (1-65535): 70000',
      'pools.api.dns_refresh: Expected a duration such as 500ms, 5s, 5m',
    ]);
    // Valid forms, in the shorthand too.
    const ok = parseProxyConfig({
      backends: [{ url: 'dns://api-headless.default.svc.cluster.local:3000' }],
      dns_refresh: '10s',
      dns: { servers: ['10.96.0.10', '127.0.0.1:5353', '[::1]:53'] },
    });
    expect(ok.pools.default!.dns_refresh).toBe(10_000);
    expect(ok.dns).toEqual({
      servers: ['10.96.0.10', '127.0.0.1:5353', '[::1]:53'],
      timeout: 2000,
      tries: 2,
    });

    // The admin API adds addresses, not names: a coded 400.
    const p = await startTestProxy('raw', { backends: [], health: { enabled: false } });
    try {
      const res = await admin<{ error: { code: string; message: string } }>(p, '/admin/backends', {
        method: 'POST',
        body: { url: `dns://${NAME}:80` },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('SB_ERR_VALIDATION');
      expect(res.body.error.message).toContain('url');
    } finally {
      await p.close();
    }
  });
});
