import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promtoolAvailable, promtoolCheck } from '../../../test-support/promtool.js';
import { Cluster } from './support/cluster.js';
import { registerHttpUser, type TestUser } from './support/http-client.js';
import { TestSocket, waitUntil } from './support/ws-client.js';

/**
 * GET /metrics on an API instance: the series an operator alerts on, with
 * values that follow what happened (requests by route template, queries,
 * pool, sockets, deliveries and their lag), in a format promtool accepts.
 */
let cluster: Cluster;
let user: TestUser;
let socket: TestSocket;

beforeAll(async () => {
  cluster = await Cluster.start('metrics', 1);
  user = await registerHttpUser(cluster.at(0).url, 'metrics');
});
afterAll(async () => {
  socket?.ws.close();
  await cluster?.close();
});

/** The value of the first sample of `name` whose labels include every pair given. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    if (want.every((pair) => line.includes(pair)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${cluster.at(0).url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('API metrics', () => {
  it('count requests, queries, sockets and deliveries as they happen', async () => {
    const board = await user.http.ok('POST', '/api/boards', { title: 'Metrics' });
    socket = await TestSocket.open(cluster.at(0).wsUrl, { token: user.token });
    await socket.subscribeAndWait(board.id);
    for (let i = 0; i < 3; i++) {
      await user.http.ok('POST', '/api/tasks', { board_id: board.id, title: `t${i}` });
    }
    await user.http.get(`/api/boards/${board.id}`);
    expect((await user.http.get('/api/no-such-thing')).status).toBe(404);
    await waitUntil(
      () => (socket.applied.get(board.id)?.length ?? 0) >= 3,
      'three task events on the socket',
    );

    const text = await scrape();
    const posts = { method: 'POST', route: '/api/tasks', status: '201' };
    expect(sample(text, 'sb_api_http_request_duration_seconds_count', posts)).toBe(3);
    // Route templates, never raw paths: the label set stays small.
    expect(
      sample(text, 'sb_api_http_request_duration_seconds_count', { route: '/api/boards/:id' }),
    ).toBe(1);
    expect(text).not.toContain(`route="/api/boards/${board.id}"`);
    expect(
      sample(text, 'sb_api_http_request_duration_seconds_count', {
        route: 'unmatched',
        status: '404',
      }),
    ).toBe(1);
    expect(
      sample(text, 'sb_api_db_query_duration_seconds_count', { outcome: 'ok' }),
    ).toBeGreaterThan(10);
    expect(sample(text, 'sb_api_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(text, 'sb_api_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(sample(text, 'sb_api_websocket_connections')).toBe(1);
    expect(sample(text, 'sb_api_websocket_subscriptions')).toBe(1);
    expect(sample(text, 'sb_api_board_channels')).toBe(1);
    // Board created plus three tasks, each to one subscriber; the lag of each was observed.
    const delivered = sample(text, 'sb_api_event_deliveries_total') ?? 0;
    expect(delivered).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'sb_api_event_delivery_lag_seconds_count')).toBe(delivered);
    expect(sample(text, 'sb_api_event_delivery_lag_seconds_bucket', { le: '10' })).toBe(delivered);
    expect(sample(text, 'sb_api_slow_consumer_drops_total')).toBe(0);
    expect(sample(text, 'sb_api_bus_up')).toBe(1);
    // Node's own: event-loop delay and GC series exist.
    expect(text).toContain('# TYPE sb_api_nodejs_eventloop_lag_seconds gauge');
    expect(text).toContain('# TYPE sb_api_nodejs_gc_duration_seconds histogram');
    expect(sample(text, 'sb_api_process_resident_memory_bytes')).toBeGreaterThan(0);
    // Every series says which instance it came from.
    expect(text).toMatch(/sb_api_websocket_connections\{instance_id="api-1"\} 1/);
  });

  it('the socket closing shows at the next scrape', async () => {
    socket.ws.close();
    await socket.closed;
    await waitUntil(
      async () => sample(await scrape(), 'sb_api_websocket_connections') === 0,
      'no open connections',
    );
  });

  it('is text promtool accepts', async (ctx) => {
    if (!promtoolAvailable()) ctx.skip();
    const checked = await promtoolCheck(await scrape());
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });
});
