import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBackend, type TestBackend } from './helpers/backends.js';
import { startTestProxy } from './helpers/proxy.js';
import { forEachEngine } from './helpers/engines.js';
import type { ProxyServer } from '../src/proxy-server.js';

/** Seed 003: one front door for several services. */
forEachEngine('routing', (engine) => {
  let todo: TestBackend;
  let chat: TestBackend;
  let news: TestBackend;
  let proxy: ProxyServer;

  beforeAll(async () => {
    [todo, chat, news] = await Promise.all([
      startBackend('todo'),
      startBackend('chat'),
      startBackend('news'),
    ]);
    proxy = await startTestProxy(engine, {
      pools: {
        todo: { backends: [{ id: 'todo-1', url: todo.url }], health: { enabled: false } },
        chat: { backends: [{ id: 'chat-1', url: chat.url }], health: { enabled: false } },
        news: { backends: [{ id: 'news-1', url: news.url }], health: { enabled: false } },
      },
      routes: [
        { name: 'news-host', match: { host: 'news.example' }, pool: 'news' },
        { name: 'wild', match: { host: '*.chat.example' }, pool: 'chat' },
        { name: 'todo', match: { path_prefix: '/todo' }, pool: 'todo', strip_prefix: true },
        { name: 'chat', match: { path_prefix: '/chat/' }, pool: 'chat', prefix_rewrite: '/v2/' },
        {
          name: 'app-health',
          match: { path: '/todo-health' },
          pool: 'todo',
          strip_prefix: false,
          prefix_rewrite: undefined,
        },
      ],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all([todo.close(), chat.close(), news.close()]);
  });

  async function hit(path: string, host?: string) {
    const res = await request(proxy.url + path, { headers: host ? { host } : {} });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      servedBy: res.headers['x-served-by'],
      body: res.statusCode === 200 ? (JSON.parse(text) as { url: string }) : undefined,
      text,
    };
  }

  it('routes by path prefix with prefix stripping and rewriting', async () => {
    expect(await hit('/todo/items?x=1')).toMatchObject({
      servedBy: 'todo-1',
      body: { url: '/items?x=1' },
    });
    expect(await hit('/todo')).toMatchObject({ servedBy: 'todo-1', body: { url: '/' } });
    expect(await hit('/todo?x=1')).toMatchObject({ servedBy: 'todo-1', body: { url: '/?x=1' } });
    expect(await hit('/chat/rooms/1')).toMatchObject({
      servedBy: 'chat-1',
      body: { url: '/v2/rooms/1' },
    });
  });

  it('matches whole path segments only', async () => {
    const r = await hit('/todolist');
    expect(r.status).toBe(404);
    expect(r.text).toContain('SB_ERR_ROUTE_NOT_FOUND');
  });

  it('routes by exact and wildcard host, ignoring the port', async () => {
    expect(await hit('/anything', 'news.example:8080')).toMatchObject({
      servedBy: 'news-1',
      body: { url: '/anything' },
    });
    expect(await hit('/x', 'eu.chat.example')).toMatchObject({ servedBy: 'chat-1' });
  });

  it('an exact path route can reach an app endpoint such as its own health', async () => {
    expect(await hit('/todo-health')).toMatchObject({
      servedBy: 'todo-1',
      body: { url: '/todo-health' },
    });
  });

  it('the proxy answers its own /health even with routes', async () => {
    const r = await request(proxy.url + '/health');
    expect(await r.body.text()).toBe('OK');
  });

  it('an app /health is reachable through a route when the proxy gives the path up', async () => {
    const p = await startTestProxy(engine, {
      server: { health_path: '/_proxy/health' },
      backends: [{ id: 'todo-1', url: todo.url }],
      health: { enabled: false },
    });
    try {
      const app = await request(p.url + '/health');
      expect(app.headers['x-served-by']).toBe('todo-1');
      await app.body.dump();
      const own = await request(p.url + '/_proxy/health');
      expect(await own.body.text()).toBe('OK');
    } finally {
      await p.close();
    }
  });
});
