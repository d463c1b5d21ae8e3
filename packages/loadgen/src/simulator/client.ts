import type { Agent } from 'undici';
import { request } from 'undici';
import type { Recorder } from './recorder.js';

export interface Answer {
  status: number;
  body: unknown;
}

/** A signed-in (or open-mode) HTTP client that records every call it makes. */
export class SimClient {
  constructor(
    private readonly origin: string,
    private readonly dispatcher: Agent,
    private readonly recorder: Recorder,
    private readonly token?: string,
  ) {}

  withToken(token: string): SimClient {
    return new SimClient(this.origin, this.dispatcher, this.recorder, token);
  }

  /** The same session, recording into another recorder (set-up calls are kept out of the figures). */
  recordingTo(recorder: Recorder): SimClient {
    return new SimClient(this.origin, this.dispatcher, recorder, this.token);
  }

  async call(
    action: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Answer> {
    const started = performance.now();
    try {
      const res = await request(this.origin + path, {
        method,
        dispatcher: this.dispatcher,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.body.text();
      const servedBy = res.headers['x-served-by'];
      this.recorder.record(
        action,
        res.statusCode,
        performance.now() - started,
        typeof servedBy === 'string' ? servedBy : null,
      );
      let parsed: unknown = text;
      if (String(res.headers['content-type'] ?? '').includes('json') && text)
        parsed = JSON.parse(text);
      return { status: res.statusCode, body: parsed };
    } catch (err) {
      this.recorder.fail(action, (err as Error).message);
      return { status: 0, body: undefined };
    }
  }
}
