import net from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { FaultRelay } from '../../test-support/cluster/fault-relay.js';

/** The relay that stands in for netem and iptables, on loopback. */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Last opened, first closed: clients, then relays, then the servers they reach.
  for (const close of closers.splice(0).reverse()) await close();
});

async function echoServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

async function relayTo(port: number, random?: () => number): Promise<FaultRelay> {
  const relay = await new FaultRelay({
    listenHost: '127.0.0.1',
    targetHost: '127.0.0.1',
    targetPort: port,
    random,
  }).start();
  closers.push(() => relay.close());
  return relay;
}

function client(relay: FaultRelay): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(relay.port, '127.0.0.1', () => {
      // The relay's resets are what some tests look for.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
    closers.push(async () => void socket.destroy());
  });
}

/** Sends text and resolves with the echo and how long it took. */
function roundTrip(
  socket: net.Socket,
  text: string,
  timeoutMs = 3_000,
): Promise<{ echo: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => {
      socket.off('data', onData);
      reject(new Error(`no echo in ${timeoutMs} ms (got ${JSON.stringify(got)})`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got.length >= text.length) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve({ echo: got, ms: Date.now() - started });
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

it('relays bytes unchanged when healthy', async () => {
  const relay = await relayTo(await echoServer());
  const socket = await client(relay);
  const { echo, ms } = await roundTrip(socket, 'hello');
  expect(echo).toBe('hello');
  expect(ms).toBeLessThan(100);
});

it('delays each direction by delay ± jitter and keeps order', async () => {
  // random() = 1: the full +jitter each way.
  const relay = await relayTo(await echoServer(), () => 1);
  relay.set({ delayMs: 100, jitterMs: 50 });
  const socket = await client(relay);
  const { echo, ms } = await roundTrip(socket, 'a');
  expect(echo).toBe('a');
  expect(ms).toBeGreaterThanOrEqual(290);
  expect(ms).toBeLessThan(600);
  const many = await roundTrip(socket, Array.from({ length: 50 }, (_, i) => `${i},`).join(''));
  expect(many.echo).toBe(Array.from({ length: 50 }, (_, i) => `${i},`).join(''));
});

it('turns loss into a retransmission wait, never into missing bytes', async () => {
  // random() = 0: every chunk "lost" once.
  const relay = await relayTo(await echoServer(), () => 0);
  relay.set({ loss: 0.05, lossPenaltyMs: 200 });
  const socket = await client(relay);
  const { echo, ms } = await roundTrip(socket, 'x');
  expect(echo).toBe('x');
  expect(ms).toBeGreaterThanOrEqual(390);
});

it('blackholes: silence both ways (no reset), and the held bytes arrive after heal', async () => {
  const relay = await relayTo(await echoServer());
  const socket = await client(relay);
  await roundTrip(socket, 'before');
  let closed = false;
  socket.on('close', () => (closed = true));
  relay.set({ blackhole: true });
  await expect(roundTrip(socket, 'during', 500)).rejects.toThrow(/no echo/);
  expect(closed).toBe(false);
  // A new connection is accepted but never answered.
  const late = await client(relay);
  await expect(roundTrip(late, 'late', 300)).rejects.toThrow(/no echo/);
  relay.heal();
  const after = await roundTrip(socket, '', 1_000).catch(() => ({ echo: '' }));
  expect(after.echo).toBe('during');
});

it('cut resets every open connection', async () => {
  const relay = await relayTo(await echoServer());
  const socket = await client(relay);
  await roundTrip(socket, 'x');
  const error = new Promise<string | undefined>((resolve) => {
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
    socket.once('close', () => resolve('closed'));
  });
  relay.cut();
  expect(await error).toMatch(/ECONNRESET|closed/);
  expect(relay.connections).toBe(0);
});
