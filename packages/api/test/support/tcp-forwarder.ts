import net from 'node:net';

/**
 * A TCP forwarder a test can cut: while paused it drops every connection and
 * refuses new ones at once, as a dead server or a partition would look.
 */
export class TcpForwarder {
  private readonly sockets = new Set<net.Socket>();
  private paused = false;
  /** Connections refused while paused (how often a client has tried to reach the server). */
  refused = 0;

  private readonly server: net.Server;
  private port = 0;

  private constructor(private readonly target: URL) {
    this.server = net.createServer((client) => this.forward(client));
  }

  static async start(target: string): Promise<TcpForwarder> {
    const forwarder = new TcpForwarder(new URL(target));
    await new Promise<void>((resolve) => forwarder.server.listen(0, '127.0.0.1', resolve));
    const address = forwarder.server.address();
    forwarder.port = typeof address === 'object' && address ? address.port : 0;
    return forwarder;
  }

  private forward(client: net.Socket): void {
    if (this.paused) {
      this.refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(this.target.port), this.target.hostname);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  /** The target URL rewritten to go through this forwarder. */
  via(target: string): string {
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  resume(): void {
    this.paused = false;
  }

  async close(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
