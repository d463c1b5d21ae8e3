/**
 * Processes the benchmark starts, one per child so none shares an event loop
 * with another: `node --import tsx peers.ts <kind> <port> [args…]`.
 *   backend <port> <name>          a trivial HTTP server
 *   switchboard <port> <b1> <b2>   our proxy (access log off)
 *   http-proxy <port> <b1> <b2>    http-proxy, round-robin
 *   reply-from <port> <b1> <b2>    fastify + @fastify/reply-from, round-robin
 *   pipe <port> <b1> <b2>          a bare TCP byte pipe per client connection (no HTTP):
 *                                  the floor for any proxy on one Node event loop
 *   load <url> <rate> <secs> [conns]  fixed-rate open-loop load, prints latency JSON
 */
import http from 'node:http';
import { connect, createServer, type Socket } from 'node:net';

const [kind, portArg, ...rest] = process.argv.slice(2);
const port = Number(portArg);
const ready = (): void => {
  process.stdout.write('READY\n');
};

async function main(): Promise<void> {
  switch (kind) {
    case 'backend': {
      const body = Buffer.from(`hello from ${rest[0] ?? 'backend'}\n`);
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
      });
      server.keepAliveTimeout = 60_000;
      server.listen(port, '127.0.0.1', ready);
      break;
    }
    case 'switchboard': {
      const { parseProxyConfig, startProxy } = await import('../src/index.js');
      const workers = Number(process.env.SB_BENCH_WORKERS ?? 1);
      const config = parseProxyConfig({
        listen: `127.0.0.1:${port}`,
        admin: { enabled: false },
        log: { level: 'warn', access: false },
        analytics: { persist: false },
        health: { enabled: false },
        strategy: 'round-robin',
        backends: rest.map((p) => ({ url: `http://127.0.0.1:${p}` })),
        workers,
      });
      const proxy = await startProxy(config);
      process.once('SIGINT', () => void proxy.close().then(() => process.exit(0)));
      ready();
      break;
    }
    case 'http-proxy': {
      const { default: httpProxy } = await import('http-proxy');
      const proxy = httpProxy.createProxyServer({
        agent: new http.Agent({ keepAlive: true, maxSockets: 128 }),
      });
      proxy.on('error', (_e, _req, res) => {
        if ('writeHead' in res) {
          res.writeHead(502);
          res.end();
        }
      });
      let i = 0;
      http
        .createServer((req, res) => {
          const target = `http://127.0.0.1:${rest[i++ % rest.length]}`;
          proxy.web(req, res, { target });
        })
        .listen(port, '127.0.0.1', ready);
      break;
    }
    case 'reply-from': {
      const { default: Fastify } = await import('fastify');
      const { default: replyFrom } = await import('@fastify/reply-from');
      const app = Fastify({ logger: false });
      await app.register(replyFrom, {
        undici: { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 },
      });
      let i = 0;
      app.all('/*', (req, reply) => {
        const base = `http://127.0.0.1:${rest[i++ % rest.length]}`;
        return reply.from(base + req.url);
      });
      await app.listen({ port, host: '127.0.0.1' });
      ready();
      break;
    }
    case 'pipe': {
      let i = 0;
      createServer({ noDelay: true }, (client) => {
        const upstream = connect(Number(rest[i++ % rest.length]), '127.0.0.1');
        upstream.setNoDelay(true);
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      }).listen(port, '127.0.0.1', ready);
      break;
    }
    case 'load': {
      // Open-loop fixed-rate load over raw keep-alive sockets (cheap enough
      // not to be the bottleneck): latency counts from each request's
      // scheduled time, so queueing is not hidden (no coordinated omission).
      const url = new URL(portArg as string);
      const rate = Number(rest[0]);
      const secs = Number(rest[1]);
      const conns = Number(rest[2] ?? 64);
      const reqBytes = Buffer.from(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      const lat: number[] = [];
      let errors = 0;
      const queue: number[] = [];
      const idle: Conn[] = [];
      interface Conn {
        socket: Socket;
        buf: Buffer;
        sentAt: number;
      }
      const sendOn = (c: Conn, scheduled: number): void => {
        c.sentAt = scheduled;
        c.socket.write(reqBytes);
      };
      const onResponse = (c: Conn): void => {
        lat.push(performance.now() - c.sentAt);
        const nextReq = queue.shift();
        if (nextReq !== undefined) sendOn(c, nextReq);
        else idle.push(c);
      };
      await Promise.all(
        Array.from(
          { length: conns },
          () =>
            new Promise<void>((resolve) => {
              const socket = connect(Number(url.port), url.hostname, () => resolve());
              socket.setNoDelay(true);
              const c: Conn = { socket, buf: Buffer.alloc(0), sentAt: 0 };
              socket.on('error', () => errors++);
              socket.on('data', (d: Buffer) => {
                c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
                for (;;) {
                  const end = c.buf.indexOf('\r\n\r\n');
                  if (end === -1) return;
                  const head = c.buf.subarray(0, end).toString('latin1');
                  const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
                  if (c.buf.length < end + 4 + len) return;
                  if (!head.startsWith('HTTP/1.1 200')) errors++;
                  c.buf = c.buf.subarray(end + 4 + len);
                  onResponse(c);
                }
              });
              idle.push(c);
            }),
        ),
      );
      const interval = 1000 / rate;
      const start = performance.now();
      const total = Math.floor(rate * secs);
      let sent = 0;
      await new Promise<void>((resolve) => {
        const tick = (): void => {
          const now = performance.now();
          while (sent < total && start + sent * interval <= now) {
            const scheduled = start + sent * interval;
            sent++;
            const c = idle.pop();
            if (c) sendOn(c, scheduled);
            else queue.push(scheduled);
          }
          // Sleep until the next send is due (a setImmediate spin would steal a core).
          if (sent < total)
            setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
          else {
            const wait = (): void => {
              if (lat.length + errors >= total || performance.now() - start > secs * 1000 + 10_000)
                resolve();
              else setTimeout(wait, 5);
            };
            wait();
          }
        };
        tick();
      });
      lat.sort((a, b) => a - b);
      const q = (p: number): number =>
        lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
      process.stdout.write(
        JSON.stringify({ n: lat.length, errors, p50: q(0.5), p90: q(0.9), p99: q(0.99) }) + '\n',
      );
      process.exit(0);
      break;
    }
    default:
      throw new Error(`unknown peer kind ${kind}`);
  }
}

void main();
