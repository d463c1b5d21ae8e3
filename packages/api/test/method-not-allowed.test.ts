import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, registerUser, startHarness } from './support/harness.js';

/**
 * Every route of the table, asked with each method it does not have, over a
 * real socket: 405 SB_ERR_METHOD_NOT_ALLOWED with `Allow` naming exactly the
 * methods it has. Only a path no route matches is 404.
 */
let h: Harness;
let url: string;
let token: string;
beforeAll(async () => {
  h = await startHarness('methods');
  url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  token = (await registerUser(h.app, 'methods')).token!;
});
afterAll(async () => h?.close());

const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The route table: every documented path, and the routes kept out of the docs. */
function routeTable(): string[] {
  const doc = h.app.swagger() as { paths: Record<string, unknown> };
  const documented = Object.keys(doc.paths).map((p) => p.replace(/\{(\w+)\}/g, ':$1'));
  return [...documented, '/health', '/ready', '/ws', '/api/openapi.json'];
}

function allowedBy(pattern: string): string[] {
  const allowed = methods.filter((method) => h.app.hasRoute({ url: pattern, method }));
  return allowed.sort();
}

describe('a known path with a method it does not have', () => {
  it('is 405 with Allow for every route of the table, as anyone', async () => {
    const table = routeTable();
    expect(table).toEqual(expect.arrayContaining(['/api/boards', '/api/tasks/:id']));
    let checked = 0;
    for (const pattern of table) {
      const allowed = allowedBy(pattern);
      expect({ pattern, allowed }).not.toMatchObject({ allowed: [] });
      const path = pattern.replace(/:\w+/g, '1');
      for (const method of methods.filter((m) => !allowed.includes(m))) {
        for (const auth of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
          const res = await fetch(url + path, { method, headers: auth });
          const body =
            method === 'HEAD' ? undefined : ((await res.json()) as { error: { code: string } });
          expect({ method, path, status: res.status, allow: res.headers.get('allow') }).toEqual({
            method,
            path,
            status: 405,
            allow: allowed.join(', '),
          });
          if (body) expect(body.error.code).toBe('SB_ERR_METHOD_NOT_ALLOWED');
          checked++;
        }
      }
    }
    console.log(`${checked} (route, method) pairs answered 405 over ${table.length} routes`);
  });

  it('names the allowed methods for the case found by hand: DELETE /api/boards', async () => {
    const res = await fetch(`${url}/api/boards`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await res.json()).toMatchObject({
      error: { code: 'SB_ERR_METHOD_NOT_ALLOWED', details: { allow: ['GET', 'HEAD', 'POST'] } },
    });
  });

  it('leaves an unknown path 404, whatever the method, and a known one served', async () => {
    for (const path of ['/api/nope', '/api/boards/1/nope', '/nope']) {
      for (const method of ['GET', 'DELETE']) {
        const res = await fetch(url + path, { method });
        expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
        expect(res.headers.get('allow')).toBeNull();
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'SB_ERR_ROUTE_NOT_FOUND',
        );
      }
    }
    const boards = await fetch(`${url}/api/boards`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(boards.status).toBe(200);
  });
});
