import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deadPort, startBackend, type TestBackend } from './helpers/backends.js';
import { forEachEngine } from './helpers/engines.js';
import { promtoolAvailable, promtoolCheck } from '../../../test-support/promtool.js';
import { startTestProxy } from './helpers/proxy.js';
import type { ProxyServer } from '../src/proxy-server.js';

forEachEngine('Prometheus exposition', (engine) => {
  let backend: TestBackend;
  let proxy: ProxyServer;
  let promtool = false;

  beforeAll(async () => {
    promtool = promtoolAvailable();
    backend = await startBackend('a');
    proxy = await startTestProxy(engine, {
      backends: [
        { id: 'a', url: backend.url },
        { id: 'dead', url: `http://127.0.0.1:${await deadPort()}` },
      ],
      health: { enabled: false },
      rate_limit: { default: { per_ip: { limit: 1000, window: '1m' } } },
    });
    // Traffic of every kind, so every family has series: answers, retries, proxy errors.
    for (const path of ['/', '/x', '/y', '/z']) await (await request(proxy.url + path)).body.dump();
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
  });

  it('names series once (sb_proxy_ prefix, no doubled process_), no blank lines', async () => {
    const text = await (await request(proxy.adminUrl + '/metrics')).body.text();
    expect(text).toContain('\nsb_proxy_process_cpu_user_seconds_total ');
    expect(text).toContain('\nsb_proxy_nodejs_eventloop_lag_seconds ');
    expect(text).not.toMatch(/process_process_|sb_proxy_process_nodejs_/);
    expect(text).not.toMatch(/\n\n/);
    expect(text).toMatch(/\nsb_proxy_retries_total\{route="default",reason="ECONNREFUSED"\} \d+/);
    for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#')))
      expect(line, line).toMatch(/^sb_proxy_/);
  });

  it('passes promtool check metrics (parser and linter)', async (ctx) => {
    if (!promtool) ctx.skip();
    const text = await (await request(proxy.adminUrl + '/metrics')).body.text();
    const r = await promtoolCheck(text);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });
});
