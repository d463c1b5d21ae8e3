/** A user of the API over HTTP, for seeding boards through the real routes. */
export class ApiUser {
  constructor(
    readonly base: string,
    readonly token: string,
    readonly id: number,
  ) {}

  static async register(base: string, username: string): Promise<ApiUser> {
    const res = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'correct horse battery staple' }),
    });
    if (res.status !== 201)
      throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
    const { token, user } = (await res.json()) as { token: string; user: { id: number } };
    return new ApiUser(base, token, user.id);
  }

  static async login(base: string, username: string): Promise<ApiUser> {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'correct horse battery staple' }),
    });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
    const { token, user } = (await res.json()) as { token: string; user: { id: number } };
    return new ApiUser(base, token, user.id);
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Attaches bytes to a card (the raw body of POST /api/attachments). */
  async upload(taskId: number, name: string, bytes: Buffer, type = 'application/octet-stream') {
    const res = await fetch(
      `${this.base}/api/attachments?task_id=${taskId}&name=${encodeURIComponent(name)}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': type },
        body: bytes,
      },
    );
    const text = await res.text();
    if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${text}`);
    return JSON.parse(text) as { id: number; url: string; sha256: string; size: number };
  }

  async bytes(path: string): Promise<Buffer> {
    const res = await fetch(`${this.base}${path}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
}

export interface Seeded {
  boards: { id: number; seq: number }[];
  tasks: number[];
  /** Files attached while seeding, with their bytes. */
  files: { url: string; bytes: Buffer }[];
}

/** Boards with tasks, comments, moves, edits and deletes: every kind of row and event. */
export async function seedBoards(
  user: ApiUser,
  boards: number,
  tasksPerBoard: number,
): Promise<Seeded> {
  const out: Seeded = { boards: [], tasks: [], files: [] };
  for (let b = 0; b < boards; b++) {
    const board = await user.call<{ id: number; columns: { id: number }[] }>(
      'POST',
      '/api/boards',
      {
        title: `Board ${b} — ünïcode, "quotes", tab\there`,
      },
    );
    for (let t = 0; t < tasksPerBoard; t++) {
      const task = await user.call<{ id: number }>('POST', '/api/tasks', {
        board_id: board.id,
        title: `Seed task ${b}.${t}`,
        description: `line one\nline two \\ backslash`,
      });
      out.tasks.push(task.id);
      if (t % 2 === 0)
        await user.call('POST', `/api/tasks/${task.id}/comments`, { body: `comment on ${t}` });
      if (t % 3 === 0) await user.call('PATCH', `/api/tasks/${task.id}`, { completed: true });
      if (t % 4 === 1) {
        // A few chunks of bytes no text encoding would survive.
        const bytes = Buffer.alloc(300_000 + t, 0);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + t) % 256;
        const file = await user.upload(task.id, `file-${b}-${t}.bin`, bytes);
        // A card headed for the trash keeps its file (backed up) but no longer serves it.
        if (t % 5 !== 4) out.files.push({ url: file.url, bytes });
      }
      if (t % 5 === 4) await user.call('DELETE', `/api/tasks/${task.id}`);
    }
    const page = await user.call<{ last_seq: number }>(
      'GET',
      `/api/boards/${board.id}/events?after=0&limit=1`,
    );
    out.boards.push({ id: board.id, seq: page.last_seq });
  }
  return out;
}
