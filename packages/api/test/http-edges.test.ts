import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, registerUser, startHarness } from './support/harness.js';

let h: Harness;
let alice: Client;
let port: number;
beforeAll(async () => {
  h = await startHarness('http');
  alice = await registerUser(h.app, 'alice');
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as { port: number }).port;
});
afterAll(async () => h?.close());

function rawRequest(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('HTTP edges', () => {
  it('malformed JSON, wrong content type, oversize body: coded 400/415/413', async () => {
    const malformed = await alice.request('POST', '/api/boards', undefined, {
      'content-type': 'application/json',
    });
    // No body at all with a JSON content type is a validation error (body required).
    expect(malformed.status).toBe(400);
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('SB_ERR_MALFORMED_JSON');
    const text = await h.app.inject({
      method: 'POST',
      url: '/api/boards',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' },
      payload: 'title=x',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('SB_ERR_UNSUPPORTED_MEDIA_TYPE');
    const big = await alice.post('/api/boards', { title: 'x', pad: 'y'.repeat(300_000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('SB_ERR_PAYLOAD_TOO_LARGE');
  });

  it('unknown routes and bad ids are coded 404/400', async () => {
    expect((await alice.get('/api/nothing')).body.error.code).toBe('SB_ERR_ROUTE_NOT_FOUND');
    expect((await alice.get('/api/boards/abc')).body.error.code).toBe('SB_ERR_VALIDATION');
    expect((await alice.get('/api/boards/0')).status).toBe(400);
    expect((await alice.get('/api/boards/99999999999999999999')).status).toBe(400);
    expect((await alice.get('/api/boards/424242')).status).toBe(404);
  });

  it('Content-Length together with Transfer-Encoding is a coded 400 on the socket', async () => {
    const answer = await rawRequest(
      'POST /api/boards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('"code":"SB_ERR_BAD_REQUEST"');
  });

  it('Expect: 100-continue with a body over the limit gets the coded 413 instead of 100 Continue', async () => {
    const big = await rawRequest(
      'POST /api/boards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${alice.token}\r\n` +
        'Content-Length: 1048576\r\nExpect: 100-continue\r\n\r\n',
    );
    expect(big).toMatch(/^HTTP\/1\.1 413 /);
    expect(big).not.toContain('100 Continue');
    expect(big).toContain('"code":"SB_ERR_PAYLOAD_TOO_LARGE"');
    // Within the limit: 100 Continue, then the answer as usual.
    const body = JSON.stringify({ title: 'continued' });
    const small = await rawRequest(
      'POST /api/boards HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${alice.token}\r\nConnection: close\r\n` +
        `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n${body}`,
    );
    expect(small).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
  });

  it('oversized headers are a coded 431', async () => {
    const answer = await rawRequest(
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    expect(answer).toContain('SB_ERR_HEADERS_TOO_LARGE');
  });

  it('serves OpenAPI 3.1 generated from the schemas, and its browser', async () => {
    const doc = await alice.get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.body.paths);
    for (const path of [
      '/api/tasks',
      '/api/tasks/{id}',
      '/api/boards',
      '/api/boards/{id}',
      '/api/boards/{id}/columns',
      '/api/boards/{id}/members',
      '/api/boards/{id}/events',
      '/api/auth/register',
      '/api/auth/login',
      '/api/me',
    ]) {
      expect(paths).toContain(path);
    }
    const create = doc.body.paths['/api/tasks'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['board_id', 'title']));
    expect(create.properties.title.maxLength).toBe(200);
    expect(create.additionalProperties).toBe(false);
    const page = await h.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/swagger/i);
  });

  it('/ready reports the database', async () => {
    const ready = await alice.get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database).toBe('ok');
    const databaseOnly = await alice.get('/ready?require=database');
    expect(databaseOnly.status).toBe(200);
    expect(databaseOnly.body.status).toBe('ready');
  });
});
