import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { forEachEngine } from './helpers/engines.js';
import { startTestProxy, waitFor } from './helpers/proxy.js';
import type { ProxyServer } from '../src/proxy-server.js';

/** A backend in a process of its own, so it can be stopped (SIGSTOP) like a hung instance. */
async function childBackend(): Promise<{ child: ChildProcess; url: string }> {
  const script = `
    require('node:http')
      .createServer((req, res) => {
        req.resume();
        req.on('end', () => res.end(JSON.stringify({ name: 'hung', url: req.url })));
      })
      .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`backend exited ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

interface Answer {
  status: number;
  by: string | undefined;
  code: string | undefined;
}

async function call(url: string, method: 'GET' | 'POST' = 'GET'): Promise<Answer> {
  const res = await request(url, { method, body: method === 'POST' ? '{"title":"x"}' : undefined });
  const text = await res.body.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.statusCode, by: res.headers['x-served-by'] as string | undefined, code };
}

/**
 * Issue 10, item 2: a hung (stopped, not dead) instance. Its connections are
 * accepted by the kernel and then nothing happens: only time tells. The
 * first-byte timeout finds it, idempotent requests go elsewhere, and it is
 * ejected at once as a latency outlier; a write whose fate is unknown says so.
 */
forEachEngine('a hung backend (SIGSTOP)', (engine) => {
  let healthy: TestBackend;
  let hung: { child: ChildProcess; url: string };
  const proxies: ProxyServer[] = [];

  beforeAll(async () => {
    healthy = await startBackend('healthy');
    hung = await childBackend();
    // Warm: it answers before it stops.
    expect((await call(hung.url + '/')).status).toBe(200);
    hung.child.kill('SIGSTOP');
  });
  afterEach(async () => {
    while (proxies.length) await proxies.pop()!.close();
  });
  afterAll(async () => {
    hung.child.kill('SIGCONT');
    hung.child.kill('SIGKILL');
    await healthy.close();
  });

  async function proxy(input: Record<string, unknown>): Promise<ProxyServer> {
    const p = await startTestProxy(engine, input);
    proxies.push(p);
    return p;
  }

  it('retries idempotent requests elsewhere after the first-byte timeout, ejects the stalled backend, and says a POST’s outcome is unknown', async () => {
    const p = await proxy({
      strategy: 'round-robin',
      backends: [
        { id: 'hung', url: hung.url },
        { id: 'healthy', url: healthy.url },
      ],
      health: { enabled: false },
      // First byte much sooner than the body timeout (which stays at its default).
      timeouts: { headers: '300ms' },
      passive: { base_ejection: '1m' },
    });
    const pool = p.pools().get('default')!;
    const hungBackend = pool.get('hung')!;

    // Round-robin: the first request goes to the hung backend.
    const post = await call(p.url + '/api/tasks', 'POST');
    expect(post).toEqual({ status: 504, by: 'hung', code: 'SB_ERR_OUTCOME_UNKNOWN' });
    expect(healthy.seen.filter((r) => r.method === 'POST')).toHaveLength(0);

    // Concurrent reads: those sent to the hung backend time out and are retried on the healthy one.
    const reads = await Promise.all(Array.from({ length: 6 }, (_, i) => call(p.url + `/r/${i}`)));
    for (const r of reads) expect(r).toEqual({ status: 200, by: 'healthy', code: undefined });

    // Silent while the rest of the pool answered: out of rotation at once.
    await waitFor(() => hungBackend.state === 'down');
    const admin = await request(p.adminUrl + '/admin/backends');
    const { backends } = (await admin.body.json()) as {
      backends: { id: string; state: string; ejected_until: string | null }[];
    };
    expect(backends.find((b) => b.id === 'hung')).toMatchObject({ state: 'down' });
    expect(backends.find((b) => b.id === 'hung')?.ejected_until).not.toBeNull();

    // Nothing more is sent there: no request waits on it any longer.
    const sentThere = hungBackend.totalRequests;
    for (let i = 0; i < 4; i++)
      expect(await call(p.url + `/after/${i}`)).toEqual({
        status: 200,
        by: 'healthy',
        code: undefined,
      });
    expect(hungBackend.totalRequests).toBe(sentThere);
    expect(pool.get('healthy')!.failures).toBe(0);
  });

  it('the active health check has its own short timeout and takes the hung backend down', async () => {
    const p = await proxy({
      backends: [
        { id: 'hung', url: hung.url },
        { id: 'healthy', url: healthy.url },
      ],
      health: { interval: '100ms', timeout: '200ms', fall: 2, rise: 1 },
    });
    const hungBackend = p.pools().get('default')!.get('hung')!;
    await waitFor(() => hungBackend.state === 'down', 10_000);
    expect(hungBackend.lastCheck).toMatchObject({ ok: false, error: 'timeout' });
    expect(hungBackend.downReason).toBe('GET /: timeout');
  });
});
