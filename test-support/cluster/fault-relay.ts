import net from 'node:net';

/**
 * A userspace TCP relay that stands in for `tc netem` and iptables, which this
 * machine lacks (no sch_netem module, no iptables/nft). Every link the cluster
 * wants to break (API → PostgreSQL, API → bus, proxy → API) runs through one.
 *
 * - delay ± jitter: each chunk is held before it is written on; order is kept
 *   (a chunk never overtakes the one before it), as TCP would keep it.
 * - loss: TCP never shows the application a lost segment, only the wait for
 *   its retransmission; a "lost" chunk is therefore held one extra
 *   retransmission timeout (lossPenaltyMs) before it goes on.
 * - blackhole: bytes stop flowing both ways and new connections are accepted
 *   but never answered; peers see silence, not resets (a cable pulled, a
 *   host powered off).
 * - cut: every connection is reset at once (a process killed on a live host).
 */
export interface FaultSettings {
  delayMs: number;
  jitterMs: number;
  /** Share of chunks, 0 to 1, held for lossPenaltyMs more. */
  loss: number;
  lossPenaltyMs: number;
  blackhole: boolean;
}

export const noFault: FaultSettings = {
  delayMs: 0,
  jitterMs: 0,
  loss: 0,
  lossPenaltyMs: 200,
  blackhole: false,
};

export interface FaultRelayOptions {
  listenHost: string;
  listenPort?: number;
  targetHost: string;
  targetPort: number;
  /** Deterministic randomness for tests; Math.random by default. */
  random?: () => number;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class FaultRelay {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private settings: FaultSettings = { ...noFault };
  private readonly random: () => number;
  port = 0;

  constructor(private readonly options: FaultRelayOptions) {
    this.random = options.random ?? Math.random;
  }

  get address(): string {
    return `${this.options.listenHost}:${this.port}`;
  }

  async start(): Promise<this> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listenPort ?? 0, this.options.listenHost, () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this;
  }

  set(settings: Partial<FaultSettings>): void {
    this.settings = { ...this.settings, ...settings };
    if (!this.settings.blackhole) this.release();
  }

  heal(): void {
    this.settings = { ...noFault };
    this.release();
  }

  private readonly flushers = new Set<() => void>();

  /** After a blackhole: what TCP would have retransmitted arrives, in order. */
  private release(): void {
    for (const flush of this.flushers) flush();
  }

  /** Resets every open connection (new ones are still relayed unless blackholed). */
  cut(): void {
    for (const pair of this.pairs) for (const socket of [pair.client, pair.upstream]) reset(socket);
    this.pairs.clear();
  }

  get connections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private accept(client: net.Socket): void {
    client.setNoDelay(true);
    client.on('error', () => {});
    if (this.settings.blackhole) {
      // Accepted but never answered (as if the SYN went unanswered); the
      // peer's own timeouts must notice.
      client.pause();
      const held = { client, upstream: new net.Socket() };
      this.pairs.add(held);
      client.once('close', () => this.pairs.delete(held));
      return;
    }
    const upstream = net.connect(this.options.targetPort, this.options.targetHost);
    upstream.setNoDelay(true);
    upstream.on('error', () => {});
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      // A reset on one side is passed on as a reset; an orderly close as a close.
      if (client.destroyed !== upstream.destroyed) {
        if (!client.destroyed) client.destroy();
        if (!upstream.destroyed) upstream.destroy();
      }
    };
    client.once('close', end);
    upstream.once('close', end);
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Copies from → to under the current fault settings, keeping order. */
  private pipe(from: net.Socket, to: net.Socket): void {
    let releaseAt = 0;
    let pending = 0;
    let ended = false;
    // Held during a blackhole: TCP keeps retransmitting them, so they arrive
    // once the link heals (unless a peer gave up and closed meanwhile).
    const held: Buffer[] = [];
    const maybeEnd = () => {
      if (ended && pending === 0 && held.length === 0 && !to.destroyed) to.end();
    };
    const flush = () => {
      if (held.length === 0) return;
      for (const chunk of held.splice(0)) if (!to.destroyed) to.write(chunk);
      from.resume();
      maybeEnd();
    };
    this.flushers.add(flush);
    from.once('close', () => this.flushers.delete(flush));
    from.on('data', (chunk: Buffer) => {
      const s = this.settings;
      if (s.blackhole) {
        held.push(chunk);
        from.pause();
        return;
      }
      let delay = s.delayMs + (s.jitterMs ? (this.random() * 2 - 1) * s.jitterMs : 0);
      if (s.loss > 0 && this.random() < s.loss) delay += s.lossPenaltyMs;
      const now = Date.now();
      releaseAt = Math.max(releaseAt, now + Math.max(0, delay));
      if (releaseAt <= now && pending === 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      pending++;
      setTimeout(() => {
        pending--;
        if (this.settings.blackhole) held.push(chunk);
        else if (!to.destroyed) to.write(chunk);
        maybeEnd();
      }, releaseAt - now);
    });
    from.once('end', () => {
      ended = true;
      maybeEnd();
    });
  }
}

/** RST where there is a connection to reset; a socket never connected is just destroyed. */
function reset(socket: net.Socket): void {
  socket.on('error', () => {});
  try {
    if (!socket.destroyed && socket.readyState === 'open') socket.resetAndDestroy();
    else socket.destroy();
  } catch {
    socket.destroy();
  }
}
