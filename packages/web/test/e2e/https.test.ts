import http2 from 'node:http2';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, launchBrowser, watchErrors } from './support/browser';
import { type E2EStack, startE2EStack } from './support/stack';

/**
 * `TLS=self-signed npm start`: HTTPS on PORT with HTTP/2 for the clients
 * that offer it (Chromium does), HTTP/1.1 for the rest, WebSockets over TLS,
 * and the board live in the browser.
 */
let stack: E2EStack;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!browserTestsEnabled) return;
  [stack, browser] = await Promise.all([
    startE2EStack({ instances: 2, authMode: 'open', env: { TLS: 'self-signed' } }),
    launchBrowser(),
  ]);
  base = stack.url.replace(/^http:/, 'https:');
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** One HTTP/2 request on its own session: status, body and the protocol ALPN chose. */
function h2Request(
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: string; alpn: string | false | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(base, { rejectUnauthorized: false });
    session.on('error', reject);
    const req = session.request({
      ':method': method,
      ':path': path,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    });
    let status = 0;
    let text = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => {
      const alpn = session.alpnProtocol;
      session.close();
      resolve({ status, body: text, alpn });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe.skipIf(!browserTestsEnabled)('npm start with TLS=self-signed', () => {
  it('answers HTTP/2 by ALPN and HTTP/1.1 on the same port', async () => {
    const page = await h2Request('/');
    expect(page.alpn).toBe('h2');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
    const boards = await h2Request('/api/boards');
    expect(boards.status).toBe(200);

    const http1 = await new Promise<{ status: number; alpn: string | false | null }>(
      (resolve, reject) => {
        const req = https.get(
          `${base}/health`,
          // A client that offers HTTP/1.1 only (as curl --http1.1 or an old library).
          { rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] } as https.RequestOptions,
          (res) => {
            res.resume();
            resolve({
              status: res.statusCode ?? 0,
              alpn: (res.socket as TLSSocket).alpnProtocol,
            });
          },
        );
        req.on('error', reject);
      },
    );
    expect(http1).toEqual({ status: 200, alpn: 'http/1.1' });
  });

  it('Chromium loads the board over HTTP/2 and sees another client’s change live over wss', async () => {
    const created = await h2Request('/api/boards', 'POST', { title: 'Over TLS' });
    expect(created.status).toBe(201);
    const board = JSON.parse(created.body) as { id: number };
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${base}/boards/${board.id}`);
    await page.getByText('Over TLS').first().waitFor();
    const protocol = await page.evaluate(
      () =>
        (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
          .nextHopProtocol,
    );
    expect(protocol).toBe('h2');
    // A change made elsewhere shows up without a reload: the WebSocket works over TLS.
    await expect.poll(() => sockets.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(sockets[0]).toMatch(/^wss:\/\//);
    const task = await h2Request('/api/tasks', 'POST', {
      board_id: board.id,
      title: 'Arrived over wss',
    });
    expect(task.status).toBe(201);
    await page.getByText('Arrived over wss').waitFor({ timeout: 20_000 });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
