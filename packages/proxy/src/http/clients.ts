import type { ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { proxyError, rawErrorResponse, sendError, type CodedError } from '../errors.js';
import { abandonExchange } from './forward.js';

/**
 * Answers what node:http's parser refuses with our coded bodies: oversized
 * headers → 431, header/request timeouts (slowloris) → 408, any other parse
 * error (smuggling attempts: CL+TE, bad chunking, obs-fold, bare LF, …) → 400.
 * The connection is always closed afterwards.
 */
export function onClientError(err: Error & { code?: string }, socket: Socket): void {
  const code = err.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
    socket.destroy();
    return;
  }
  let coded;
  if (code === 'HPE_HEADER_OVERFLOW') coded = proxyError('SB_ERR_HEADERS_TOO_LARGE');
  else if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') {
    coded = proxyError('SB_ERR_REQUEST_TIMEOUT');
  } else {
    coded = proxyError('SB_ERR_BAD_REQUEST', undefined, { reason: code || err.message });
  }
  // A request in progress (e.g. bad chunking mid-body): answer through its response if untouched.
  const pending: unknown = Reflect.get(socket, '_httpMessage');
  if (pending) {
    const res = pending as ServerResponse;
    abandonExchange(res);
    if (res.headersSent) socket.destroy();
    else {
      res.shouldKeepAlive = false;
      sendError(res, coded, { connection: 'close' });
      res.once('finish', () => socket.destroySoon());
    }
    return;
  }
  endWithError(socket, coded);
}

/**
 * Answers with a coded error outside any request and closes; a client that
 * never reads does not get to keep the socket.
 */
export function endWithError(socket: Socket, err: CodedError): void {
  socket.end(rawErrorResponse(err));
  setTimeout(() => socket.destroy(), 1000).unref();
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
