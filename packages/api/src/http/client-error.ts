import type { Socket } from 'node:net';
import { type CodedError, sbError } from '@switchboard/core';

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (framing errors
 * such as Content-Length with Transfer-Encoding, oversized headers, slow
 * headers) still get a coded JSON answer, then the connection closes.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let coded: CodedError;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') coded = sbError('SB_ERR_REQUEST_TIMEOUT');
  else if (err.code === 'HPE_HEADER_OVERFLOW') coded = sbError('SB_ERR_HEADERS_TOO_LARGE');
  else
    coded = sbError(
      'SB_ERR_BAD_REQUEST',
      `The request is malformed (${err.code ?? 'parse error'}).`,
    );
  const body = JSON.stringify(coded.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${coded.status} ${coded.status === 408 ? 'Request Timeout' : coded.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
