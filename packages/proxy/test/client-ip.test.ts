import { describe, expect, it } from 'vitest';
import { normalizeIp, TrustedProxies } from '../src/request/client-address.js';
import { forwardedElement, forwardedNode, forwardedValue } from '../src/request/forwarded.js';
import { connectionListed, isHopByHop } from '../src/request/hop-by-hop.js';
import { parseCookie } from '../src/request/cookies.js';

describe('client identity helpers', () => {
  it('walks X-Forwarded-For from the right, skipping trusted proxies', () => {
    const t = new TrustedProxies(['10.0.0.0/8', '192.168.1.1', '2001:db8::/32']);
    expect(t.clientIp('10.1.1.1', '203.0.113.9, 10.2.2.2')).toBe('203.0.113.9');
    expect(t.clientIp('10.1.1.1', '198.51.100.1, 203.0.113.9, 192.168.1.1')).toBe('203.0.113.9');
    expect(t.clientIp('10.1.1.1', '10.9.9.9, 10.8.8.8')).toBe('10.9.9.9'); // all trusted: left-most
    expect(t.clientIp('2001:db8::5', '::ffff:203.0.113.4')).toBe('203.0.113.4');
    expect(t.clientIp('8.8.8.8', '1.2.3.4')).toBe('8.8.8.8'); // untrusted peer: its own address
    expect(new TrustedProxies([]).clientIp('10.1.1.1', '1.2.3.4')).toBe('10.1.1.1');
  });

  it('formats RFC 7239 nodes and values', () => {
    expect(forwardedNode('192.0.2.60')).toBe('192.0.2.60');
    expect(forwardedNode('2001:db8:cafe::17')).toBe('"[2001:db8:cafe::17]"');
    expect(forwardedValue('example.com')).toBe('example.com');
    expect(forwardedValue('example.com:8080')).toBe('"example.com:8080"');
    expect(forwardedValue('a"b')).toBe('"a\\"b"');
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('::1')).toBe('::1');
  });

  it('builds the Forwarded element alike for any host, an empty one quoted (RFC 7239)', () => {
    // An empty Host first: the remembered last host must not pass for it
    // (engine-differential seed -351352126 found `host=` against `host=""`).
    expect(forwardedElement('10.0.0.1', false, '')).toBe('for=10.0.0.1;proto=http;host=""');
    expect(forwardedElement('10.0.0.1', true, 'a.example')).toBe(
      'for=10.0.0.1;proto=https;host=a.example',
    );
    expect(forwardedElement('10.0.0.1', false, '')).toBe('for=10.0.0.1;proto=http;host=""');
    expect(forwardedElement('::1', false, 'a:80')).toBe('for="[::1]";proto=http;host="a:80"');
    expect(forwardedElement('10.0.0.1', false, undefined)).toBe('for=10.0.0.1;proto=http');
    expect(forwardedValue('')).toBe('""');
  });

  it('knows the hop-by-hop headers in any case, and what Connection names', () => {
    for (const h of [
      'Connection',
      'KEEP-ALIVE',
      'te',
      'Trailer',
      'Transfer-Encoding',
      'Upgrade',
      'Proxy-Connection',
      'Proxy-Authenticate',
      'Proxy-Authorization',
    ]) {
      expect(isHopByHop(h), h).toBe(true);
    }
    for (const h of ['Content-Type', 'Host', 'Cookie', 'Trailers', 'Tee'])
      expect(isHopByHop(h), h).toBe(false);
    expect(connectionListed('keep-alive', undefined)).toBeUndefined();
    expect(connectionListed('Close', undefined)).toBeUndefined();
    expect([...(connectionListed('keep-alive, X-Foo ,x-bar', undefined) ?? [])]).toEqual([
      'x-foo',
      'x-bar',
    ]);
  });

  it('parses cookies leniently', () => {
    expect(parseCookie('a=1; b="two"; c=%E2%9C%93; bad=%E0%A4%A; a=3')).toEqual({
      a: '1',
      b: 'two',
      c: '✓',
      bad: '%E0%A4%A',
    });
    expect(parseCookie(undefined)).toEqual({});
  });
});
