import {
  applyBoardEvent,
  type BoardEvent,
  type BoardState,
  boardStateFromDetail,
  judgeSequence,
  type ServerMessage,
  serverMessageSchema,
  wsSubprotocol,
} from '@switchboard/core';
import { WebSocket } from 'ws';

export type Msg = ServerMessage;

export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface OpenOptions {
  token?: string;
  via?: 'header' | 'query' | 'cookie';
  headers?: Record<string, string>;
  /** Do not wait for the welcome message. */
  noWelcome?: boolean;
  /** Subscribe as soon as the socket opens, before the welcome (as the web app does). */
  subscribe?: { boardId: number; afterSeq?: number };
  /** The subprotocols offered: switchboard.v1 by default (as the web app does); none for a plain client. */
  protocols?: string[];
}

/**
 * A real WebSocket client for tests: records every server message (validated
 * against core's schema), and keeps a board replica per board it hears of,
 * applying events strictly in seq order the way the web app would.
 */
export class TestSocket {
  readonly messages: Msg[] = [];
  readonly invalid: unknown[] = [];
  readonly replicas = new Map<number, BoardState>();
  /** Seqs applied per board, in order: the proof of no gap and no duplicate. */
  readonly applied = new Map<number, number[]>();
  /** Events that arrived out of order or twice (must stay empty). */
  readonly anomalies: string[] = [];
  closeCode: number | undefined;
  closeReason = '';
  readonly closed: Promise<number>;

  private constructor(
    readonly ws: WebSocket,
    private readonly viewerId?: number,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve(code);
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.invalid.push(data);
        return;
      }
      const json: unknown = JSON.parse(data.toString());
      const parsed = serverMessageSchema.safeParse(json);
      if (!parsed.success) {
        this.invalid.push(json);
        return;
      }
      this.onMessage(parsed.data);
    });
  }

  static async open(
    url: string,
    options: OpenOptions = {},
    viewerId?: number,
    /** Carry a board over from an earlier socket (resuming), before anything arrives. */
    carry?: { replica: BoardState; applied: readonly number[] },
  ): Promise<TestSocket> {
    const headers: Record<string, string> = { ...options.headers };
    let target = url;
    if (options.token) {
      const via = options.via ?? 'header';
      if (via === 'header') headers.authorization = `Bearer ${options.token}`;
      if (via === 'cookie') headers.cookie = `sb_session=${encodeURIComponent(options.token)}`;
      if (via === 'query')
        target += `${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(options.token)}`;
    }
    const ws = new WebSocket(target, options.protocols ?? [wsSubprotocol], { headers });
    const socket = new TestSocket(ws, viewerId);
    if (carry) {
      socket.replicas.set(carry.replica.board.id, carry.replica);
      socket.applied.set(carry.replica.board.id, [...carry.applied]);
    }
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        if (options.subscribe)
          socket.subscribe(options.subscribe.boardId, options.subscribe.afterSeq);
        resolve();
      });
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
    if (!options.noWelcome) await socket.waitFor((m) => m.type === 'welcome', 'welcome');
    return socket;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(boardId: number, afterSeq?: number): void {
    this.send({
      type: 'subscribe',
      board_id: boardId,
      ...(afterSeq !== undefined ? { after_seq: afterSeq } : {}),
    });
  }

  /** Subscribes and waits for "subscribed"; resumes from the replica's seq when there is one. */
  async subscribeAndWait(boardId: number, afterSeq?: number): Promise<number> {
    const from = this.messages.length;
    this.subscribe(boardId, afterSeq ?? this.replicas.get(boardId)?.seq);
    const msg = await this.waitFor(
      (m) => (m.type === 'subscribed' || m.type === 'error') && m.board_id === boardId,
      `subscribed to ${boardId}`,
      5_000,
      from,
    );
    if (msg.type === 'error') throw new Error(`subscribe refused: ${msg.code} ${msg.message}`);
    return msg.type === 'subscribed' ? msg.seq : -1;
  }

  async waitFor(
    predicate: (m: Msg) => boolean,
    what: string,
    timeoutMs = 5_000,
    from = 0,
  ): Promise<Msg> {
    return waitUntil(() => this.messages.slice(from).find(predicate), what, timeoutMs);
  }

  events(boardId?: number): BoardEvent[] {
    const out: BoardEvent[] = [];
    for (const m of this.messages) {
      if (m.type === 'event' && (boardId === undefined || m.board_id === boardId))
        out.push(m.event);
    }
    return out;
  }

  eventSeqs(boardId: number): number[] {
    return this.events(boardId).map((e) => e.seq);
  }

  errors(): Extract<Msg, { type: 'error' }>[] {
    return this.messages.filter((m): m is Extract<Msg, { type: 'error' }> => m.type === 'error');
  }

  /** Seeds a board replica from REST (GET /api/boards/:id) before subscribing with after_seq. */
  seed(detail: Parameters<typeof boardStateFromDetail>[0]): void {
    this.replicas.set(detail.id, boardStateFromDetail(detail));
    this.applied.set(detail.id, []);
  }

  close(): void {
    this.ws.close();
  }

  /** Stops reading from the socket (a slow consumer). */
  pause(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  private onMessage(m: Msg): void {
    this.messages.push(m);
    if (m.type === 'snapshot') {
      this.replicas.set(m.board_id, boardStateFromDetail(m.board));
      if (!this.applied.has(m.board_id)) this.applied.set(m.board_id, []);
      return;
    }
    if (m.type !== 'event') return;
    if (m.seq !== m.event.seq || m.board_id !== m.event.board_id) {
      this.anomalies.push(`envelope mismatch at ${m.board_id}/${m.seq}`);
    }
    const state = this.replicas.get(m.board_id);
    const applied = this.applied.get(m.board_id) ?? [];
    this.applied.set(m.board_id, applied);
    if (!state) {
      // No state for this board (all-boards listener): still check the order.
      const last = applied.at(-1);
      if (last !== undefined && judgeSequence(last, m.seq) !== 'apply') {
        this.anomalies.push(
          `board ${m.board_id}: ${judgeSequence(last, m.seq)} ${last} -> ${m.seq}`,
        );
      }
      applied.push(m.seq);
      return;
    }
    const verdict = judgeSequence(state.seq, m.seq);
    if (verdict !== 'apply') {
      this.anomalies.push(`board ${m.board_id}: ${verdict} ${state.seq} -> ${m.seq}`);
      return;
    }
    this.replicas.set(m.board_id, applyBoardEvent(state, m.event, this.viewerId));
    applied.push(m.seq);
  }
}
