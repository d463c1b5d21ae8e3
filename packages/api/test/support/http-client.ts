/** A tiny fetch client for tests against real listening instances. */
export interface HttpResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  body: any;
  headers: Headers;
}

export class HttpClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  withBase(baseUrl: string): HttpClient {
    return new HttpClient(baseUrl, this.token);
  }

  async request(method: string, path: string, payload?: unknown): Promise<HttpResult> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    if (res.headers.get('content-type')?.includes('application/json') && text)
      body = JSON.parse(text);
    return { status: res.status, body, headers: res.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }
  post(path: string, payload?: unknown) {
    return this.request('POST', path, payload);
  }
  patch(path: string, payload?: unknown) {
    return this.request('PATCH', path, payload);
  }
  delete(path: string) {
    return this.request('DELETE', path);
  }

  /** POST that must succeed (2xx); returns the body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  async ok(method: string, path: string, payload?: unknown): Promise<any> {
    const res = await this.request(method, path, payload);
    if (res.status >= 300)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

let counter = 0;

export interface TestUser {
  id: number;
  username: string;
  token: string;
  http: HttpClient;
}

export async function registerHttpUser(baseUrl: string, prefix = 'u'): Promise<TestUser> {
  const username = `${prefix}${process.pid}x${++counter}`;
  const body = await new HttpClient(baseUrl).ok('POST', '/api/auth/register', {
    username,
    password: 'correct horse battery',
  });
  return {
    id: body.user.id,
    username,
    token: body.token,
    http: new HttpClient(baseUrl, body.token),
  };
}
