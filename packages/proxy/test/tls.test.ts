import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { generate } from 'selfsigned';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';

async function peerFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
      s.end();
    });
    s.on('error', reject);
  });
}

async function devCert(cn: string) {
  return generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
}

forEachEngine('TLS termination', (engine) => {
  let backend: TestBackend;
  let dir: string;
  beforeAll(async () => {
    backend = await startBackend('a');
    dir = await mkdtemp(path.join(tmpdir(), 'sb-proxy-tls-'));
  });
  afterAll(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a self-signed certificate once, reuses it, and serves HTTPS and WSS with it', async () => {
    const dataDir = path.join(dir, 'data');
    const input = {
      data_dir: dataDir,
      tls: { self_signed: true, redirect_listen: '127.0.0.1:0' },
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
    };
    const p = await startTestProxy(engine, input);
    const ca = await readFile(path.join(dataDir, 'tls', 'self-signed.crt'), 'utf8');
    try {
      expect(p.url).toMatch(/^https:\/\//);
      const dispatcher = new Agent({ connect: { ca } });
      const res = await request(p.url + '/hello', { dispatcher });
      expect(res.statusCode).toBe(200);
      const body = (await res.body.json()) as { headers: Record<string, string> };
      expect(body.headers['x-forwarded-proto']).toBe('https');
      expect(body.headers.forwarded).toContain('proto=https');
      await dispatcher.close();

      const ws = new WebSocket(p.url.replace('https', 'wss') + '/ws', { ca });
      const hello = await new Promise<string>((r, j) => {
        ws.once('message', (d) => r(d.toString()));
        ws.once('error', j);
      });
      expect(hello).toBe('hello from a /ws');
      ws.close();

      const redirect = await request(p.redirectUrl + '/board/1?x=2', {
        headers: { host: 'localhost:8079' },
      });
      expect(redirect.statusCode).toBe(308);
      expect(redirect.headers.location).toBe(`https://localhost:${p.port}/board/1?x=2`);
      await redirect.body.dump();
    } finally {
      await p.close();
    }
    const again = await startTestProxy(engine, input);
    try {
      expect(await readFile(path.join(dataDir, 'tls', 'self-signed.crt'), 'utf8')).toBe(ca);
      expect(await peerFingerprint(again.port, ca)).toBe(new X509Certificate(ca).fingerprint256);
    } finally {
      await again.close();
    }
  });

  it('reloads the certificate without a restart; open connections keep working', async () => {
    const one = await devCert('one');
    const two = await devCert('two');
    const certPath = path.join(dir, 'cert.pem');
    const keyPath = path.join(dir, 'key.pem');
    await writeFile(certPath, one.cert);
    await writeFile(keyPath, one.private);
    const p = await startTestProxy(engine, {
      tls: { cert: certPath, key: keyPath, watch: false },
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
    });
    try {
      const oldAgent = new Agent({ connect: { ca: [one.cert, two.cert] } });
      const r1 = await request(p.url + '/', { dispatcher: oldAgent });
      await r1.body.dump();
      expect(await peerFingerprint(p.port, one.cert)).toBe(
        new X509Certificate(one.cert).fingerprint256,
      );

      await writeFile(certPath, two.cert);
      await writeFile(keyPath, two.private);
      const reload = await request(p.adminUrl + '/admin/tls/reload', { method: 'POST' });
      expect(reload.statusCode).toBe(200);
      expect(await reload.body.json()).toMatchObject({ reloaded: true });
      expect(await peerFingerprint(p.port, two.cert)).toBe(
        new X509Certificate(two.cert).fingerprint256,
      );

      // The keep-alive connection made before the reload still serves requests.
      const r2 = await request(p.url + '/', { dispatcher: oldAgent });
      expect(r2.statusCode).toBe(200);
      await r2.body.dump();
      await oldAgent.close();

      // A broken file is refused and the old certificate stays.
      await writeFile(certPath, 'not a certificate');
      const bad = await request(p.adminUrl + '/admin/tls/reload', { method: 'POST' });
      expect(bad.statusCode).toBe(400);
      await bad.body.dump();
      expect(await peerFingerprint(p.port, two.cert)).toBe(
        new X509Certificate(two.cert).fingerprint256,
      );
    } finally {
      await p.close();
    }
  });

  it('picks up a replaced certificate file by itself when watching', async () => {
    const one = await devCert('w1');
    const two = await devCert('w2');
    const certPath = path.join(dir, 'w-cert.pem');
    const keyPath = path.join(dir, 'w-key.pem');
    await writeFile(certPath, one.cert);
    await writeFile(keyPath, one.private);
    const p = await startTestProxy(engine, {
      tls: { cert: certPath, key: keyPath, watch: true },
      backends: [{ id: 'a', url: backend.url }],
      health: { enabled: false },
    });
    try {
      await writeFile(keyPath, two.private);
      await writeFile(certPath, two.cert);
      const want = new X509Certificate(two.cert).fingerprint256;
      const deadline = Date.now() + 8000;
      let got = '';
      while (Date.now() < deadline && got !== want) {
        await new Promise((r) => setTimeout(r, 200));
        got = await peerFingerprint(p.port, [one.cert, two.cert].join('\n')).catch(() => '');
      }
      expect(got).toBe(want);
    } finally {
      await p.close();
    }
  }, 15_000);
});
