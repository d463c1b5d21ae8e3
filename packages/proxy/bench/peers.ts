/**
 * Processes the benchmark starts, one per child so none shares an event loop
 * with another: `node --import tsx peers.ts <kind> <port> [args…]`.
 *   backend <port> <name>          a trivial HTTP server
 *   switchboard <port> <b1> <b2>   our proxy (access log off)
 *   http-proxy <port> <b1> <b2>    http-proxy, round-robin
 *   reply-from <port> <b1> <b2>    fastify + @fastify/reply-from, round-robin
 *   load <url> <rate> <secs>       fixed-rate load (open loop), prints latency JSON
 */
import http from 'node:http';
import { Agent, request } from 'undici';

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
        ...(workers > 1 ? { workers } : {}),
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
    case 'load': {
      // portArg is the URL here.
      const url = new URL(portArg as string);
      const rate = Number(rest[0]);
      const secs = Number(rest[1]);
      const dispatcher = new Agent({ connections: 64, pipelining: 1 });
      const lat: number[] = [];
      let errors = 0;
      const interval = 1000 / rate;
      const start = performance.now();
      const end = start + secs * 1000;
      let next = start;
      let inflight = 0;
      await new Promise<void>((resolve) => {
        const tick = (): void => {
          const now = performance.now();
          // Open loop: send every request whose scheduled time has come.
          while (next <= now && next < end) {
            const scheduled = next;
            next += interval;
            inflight++;
            request(url, { dispatcher })
              .then(async (r) => {
                await r.body.dump();
                lat.push(performance.now() - scheduled);
              })
              .catch(() => errors++)
              .finally(() => {
                inflight--;
                if (next >= end && inflight === 0) resolve();
              });
          }
          if (next < end) setImmediate(tick);
        };
        tick();
      });
      lat.sort((a, b) => a - b);
      const q = (p: number): number =>
        lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
      process.stdout.write(
        JSON.stringify({ n: lat.length, errors, p50: q(0.5), p90: q(0.9), p99: q(0.99) }) + '\n',
      );
      await dispatcher.close();
      process.exit(0);
      break;
    }
    default:
      throw new Error(`unknown peer kind ${kind}`);
  }
}

void main();
