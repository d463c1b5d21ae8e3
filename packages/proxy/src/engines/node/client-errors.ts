import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { proxyError, sendError } from '../../errors.js';
import { endWithError } from '../client-sockets.js';
import { abandonOnClientError } from './node-call.js';

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
    abandonOnClientError(res, coded);
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
