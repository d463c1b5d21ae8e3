import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { sbError } from '@switchboard/core';

/**
 * `Expect: 100-continue`: a declared body over the limit is answered with the
 * coded 413 at once — not `100 Continue`, then a closed connection once the
 * body starts to arrive. Anything else gets `100 Continue` and goes on to
 * Fastify as usual (node:http leaves both to whoever listens for
 * 'checkContinue').
 */
export function answerExpectContinue(
  server: Server,
  bodyLimit: number,
  /** Uploads of files (/api/attachments) have a limit of their own. */
  uploadLimit: number = bodyLimit,
): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const upload = req.url?.startsWith('/api/attachments') === true;
    const limit = upload ? uploadLimit : bodyLimit;
    if (Number(req.headers['content-length']) > limit) {
      const error = upload
        ? sbError('SB_ERR_ATTACHMENT_TOO_LARGE', undefined, { max_bytes: limit })
        : sbError('SB_ERR_PAYLOAD_TOO_LARGE');
      const body = JSON.stringify(error.toBody());
      res.writeHead(413, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        // The body was never asked for: this connection cannot carry another request.
        connection: 'close',
      });
      res.end(body);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
}
