import type { Server as NetServer, Socket } from 'node:net';
import { proxyError, rawErrorResponse, type CodedError } from '../errors.js';

/**
 * Answers with a coded error outside any request and closes; a client that
 * never reads does not get to keep the socket.
 */
export function endWithError(socket: Socket, err: CodedError): void {
  socket.end(rawErrorResponse(err));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** How long a closing connection keeps reading (and dropping) what its client still sends. */
const LINGER_MS = 2000;

/**
 * Closes a connection whose client may still be sending a request body the
 * proxy will not read: our side ends (FIN) after the answer, and whatever
 * arrives is read and dropped for up to LINGER_MS. Closing with unread bytes
 * would make the kernel send a reset, and a client still writing would lose
 * the answer already sent to it (Apache's and nginx's lingering close).
 */
export function lingeringClose(socket: Socket): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // The client is done too: close once our answer is out.
  socket.once('end', () => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  });
  socket.resume();
}

const kRefused = Symbol('refused');

export function isRefused(socket: Socket): boolean {
  return Reflect.get(socket, kRefused) === true;
}

const kLastAnswer = Symbol('last answer');

/**
 * The connection closes after an answer already on its way (a refused request):
 * requests node:http parsed after it, pipelined in the same bytes, are not
 * forwarded — a client that was told `Connection: close` gets nothing more.
 */
export function markLastAnswer(socket: Socket): void {
  Reflect.set(socket, kLastAnswer, true);
}

export function afterLastAnswer(socket: Socket): boolean {
  return Reflect.get(socket, kLastAnswer) === true;
}

/** Caps open client connections: past the cap a plain-HTTP client gets a coded 503 and is closed. */
export function capConnections(
  server: NetServer,
  max: () => number,
  counter: { activeConnections: number },
  plain: boolean,
): void {
  server.prependListener('connection', (socket: Socket) => {
    if (counter.activeConnections >= max()) {
      Reflect.set(socket, kRefused, true);
      if (plain) {
        endWithError(socket, proxyError('SB_ERR_UNAVAILABLE'));
      } else {
        socket.destroy();
      }
      return;
    }
    counter.activeConnections++;
    socket.once('close', () => counter.activeConnections--);
  });
}
