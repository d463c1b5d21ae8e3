import WebSocket from 'ws';

/**
 * A board watcher as the web app behaves (DESIGN.md "Resume"): it applies
 * events in seq order, drops `seq <= last`, fills a gap from the REST log, and
 * on any disconnect subscribes again — through the next proxy — with
 * `after_seq` = the last seq it applied. What it applied is kept so the run
 * can compare it with the board log.
 *
 * A host that vanishes leaves a silent socket, not a closed one: the watcher
 * pings every second and gives up on a connection that said nothing for 3 s.
 */
export interface WatcherReport {
  boardId: number;
  /** [seq, event id] in the order applied. */
  applied: [number, string][];
  reconnects: { lostAt: number; resumedAt: number | undefined }[];
  snapshots: number;
  gapsFilled: number;
}

interface WireEvent {
  type?: string;
  board_id?: number;
  seq?: number;
  event?: { id?: string; seq?: number };
}

export class Watcher {
  private ws: WebSocket | undefined;
  private last = 0;
  private proxyIndex: number;
  private lastHeard = Date.now();
  private pinger: NodeJS.Timeout | undefined;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();
  readonly report: WatcherReport;

  constructor(
    private readonly proxies: string[],
    boardId: number,
    startAt: number,
  ) {
    this.proxyIndex = startAt % proxies.length;
    this.report = { boardId, applied: [], reconnects: [], snapshots: 0, gapsFilled: 0 };
  }

  get lastSeq(): number {
    return this.last;
  }

  private get proxy(): string {
    return this.proxies[this.proxyIndex]!;
  }

  /** Resolves once the first connection is open and subscribed. */
  start(): Promise<void> {
    return new Promise((resolve) => this.connect(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.pinger);
    this.ws?.terminate();
  }

  private connect(onOpen?: () => void): void {
    if (this.stopped) return;
    const ws = new WebSocket(`${this.proxy.replace(/^http/, 'ws')}/ws`, 'switchboard.v1', {
      handshakeTimeout: 3_000,
    });
    this.ws = ws;
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      clearInterval(this.pinger);
      ws.terminate();
      if (this.stopped) return;
      this.report.reconnects.push({ lostAt: Date.now(), resumedAt: undefined });
      // The next proxy: a client that lost its front door tries the other address.
      this.proxyIndex = (this.proxyIndex + 1) % this.proxies.length;
      setTimeout(() => this.connect(), 250);
    };
    ws.on('error', lose);
    ws.on('close', lose);
    ws.on('open', () => {
      this.lastHeard = Date.now();
      ws.send(
        JSON.stringify({ type: 'subscribe', board_id: this.report.boardId, after_seq: this.last }),
      );
      const pending = this.report.reconnects.at(-1);
      if (pending && pending.resumedAt === undefined) pending.resumedAt = Date.now();
      clearInterval(this.pinger);
      this.pinger = setInterval(() => {
        if (Date.now() - this.lastHeard > 3_000) return lose();
        if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
      }, 1_000);
      onOpen?.();
    });
    ws.on('message', (data) => {
      this.lastHeard = Date.now();
      let message: WireEvent;
      try {
        message = JSON.parse(String(data)) as WireEvent;
      } catch {
        return;
      }
      if (message.board_id !== this.report.boardId) return;
      if (message.type === 'event' || message.type === 'snapshot') {
        this.chain = this.chain.then(() => this.onFrame(message)).catch(() => lose());
      }
    });
  }

  private async onFrame(message: WireEvent): Promise<void> {
    const seq = message.seq ?? 0;
    if (seq <= this.last) return;
    if (message.type === 'snapshot') this.report.snapshots++;
    // A gap (or a snapshot, which carries no events): read the missing ones from the log.
    if (message.type === 'snapshot' || seq > this.last + 1) {
      this.report.gapsFilled++;
      await this.fill(message.type === 'snapshot' ? seq : seq - 1);
    }
    if (message.type === 'event' && seq === this.last + 1 && message.event?.id) {
      this.apply(seq, message.event.id);
    }
  }

  private apply(seq: number, id: string): void {
    this.report.applied.push([seq, id]);
    this.last = seq;
  }

  private async fill(upTo: number): Promise<void> {
    while (this.last < upTo) {
      const url = `${this.proxy}/api/boards/${this.report.boardId}/events?after=${this.last}&limit=500`;
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`events: ${res.status}`);
      const page = (await res.json()) as { events: { id: string; seq: number }[] };
      if (page.events.length === 0) return;
      for (const event of page.events) {
        if (event.seq > upTo) return;
        if (event.seq === this.last + 1) this.apply(event.seq, event.id);
      }
    }
  }
}
