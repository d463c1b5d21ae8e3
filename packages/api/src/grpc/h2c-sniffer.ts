import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** What every HTTP/2 connection with prior knowledge (h2c) starts with (RFC 9113 §3.4). */
const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** A connection that sends nothing is not waited for longer than this. */
const sniffTimeoutMs = 10_000;

/**
 * A socket whose first bytes were already read, as a stream that yields them
 * first. Node's HTTP/2 session reads a real socket's handle directly, past
 * anything pushed back into its stream, so the h2c side gets this wrapper.
 */
function replaying(socket: Socket, first: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy(err ?? undefined);
      callback(err);
    },
  });
  // The session sees the socket's end and close; an unread reset must not crash the process.
  duplex.on('error', () => {});
  duplex.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (err) => duplex.destroy(err));
  socket.on('close', () => duplex.destroy());
  return duplex;
}

/**
 * One port, two protocols: the HTTP/1.1 server keeps every connection that
 * does not open with the HTTP/2 preface (REST, WebSocket upgrades); those
 * that do go to `onH2c` (gRPC from the proxy or a direct client). The first
 * bytes are read before either sees the connection.
 */
export function sniffH2c(
  server: Server,
  onH2c: (stream: Duplex, socket: Socket) => void,
  timeoutMs = sniffTimeoutMs,
): void {
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    let seen: Buffer = Buffer.alloc(0);
    const giveUp = () => socket.destroy();
    socket.setTimeout(timeoutMs, giveUp);
    socket.on('error', giveUp);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, preface.length);
      const h2 = seen.subarray(0, n).equals(preface.subarray(0, n));
      if (h2 && seen.length < preface.length) return;
      socket.removeListener('data', onData);
      socket.removeListener('error', giveUp);
      socket.setTimeout(0);
      socket.removeListener('timeout', giveUp);
      socket.pause();
      if (h2) {
        onH2c(replaying(socket, seen), socket);
        return;
      }
      socket.unshift(seen);
      for (const listener of http1) listener.call(server, socket);
      socket.resume();
    };
    socket.on('data', onData);
  });
}
