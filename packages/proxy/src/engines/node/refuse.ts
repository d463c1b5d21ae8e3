import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { proxyError, sendError } from '../../errors.js';
import type { CodedError } from '../../errors.js';
import { lingeringClose, markLastAnswer } from '../client-sockets.js';

/**
 * A 400 for a request the proxy will not read on from (untrustworthy framing,
 * a target or path it refuses): the connection closes after it, and nothing
 * pipelined behind it is forwarded.
 */
export function refuse(res: ServerResponse, reason: string, message?: string): void {
  res.shouldKeepAlive = false;
  markLastAnswer(res.socket as Socket);
  sendError(res, proxyError('SB_ERR_BAD_REQUEST', message, { reason }), { connection: 'close' });
}

/**
 * A final answer to a request whose body the proxy will not read (413): the
 * connection closes after it, lingering, so the client reads the answer even
 * while it is still sending.
 */
export function refuseBody(res: ServerResponse, err: CodedError): void {
  res.shouldKeepAlive = false;
  const socket = res.socket as Socket;
  markLastAnswer(socket);
  // node:http ends a response that closes its connection with destroySoon().
  socket.destroySoon = lingerInstead;
  sendError(res, err, { connection: 'close' });
}

function lingerInstead(this: Socket): void {
  lingeringClose(this);
}
