import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, errorCatalog, wsSubprotocol } from '@switchboard/core';
import type { FastifyInstance } from 'fastify';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RealtimeService } from '../service.js';

/** What the upgrade handler hands sockets to. */
export interface UpgradeEnv {
  /** False while shutting down: upgrades get 503. */
  readonly open: boolean;
  readonly maxPayloadBytes: number;
  readonly instanceId: string;
  accept(ws: WebSocket, request: IncomingMessage, url: URL): void;
}

export const wsPath = '/ws';

const upgradeRequired =
  'Upgrade Required: /ws speaks WebSocket (send Connection: Upgrade and Upgrade: websocket).';

function errorBody(code: ErrorCode, message?: string): string {
  return JSON.stringify({ error: { code, message: message ?? errorCatalog[code].message } });
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Answers an upgrade we will not take with a plain HTTP response, then closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, body: string, extra: string[] = []): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...extra,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * The HTTP server's 'upgrade' handler: /ws becomes a WebSocket (ws in
 * noServer mode, frames capped at maxPayload so a huge one closes with 1009);
 * anything else is refused with a coded JSON body.
 */
export function upgradeHandler(env: UpgradeEnv) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: env.maxPayloadBytes,
    clientTracking: false,
    perMessageDeflate: false,
    // Ours when offered; any other offer is declined (the handshake then names none).
    handleProtocols: (protocols) => (protocols.has(wsSubprotocol) ? wsSubprotocol : false),
  });
  wss.on('headers', (headers) => headers.push(`X-Instance-Id: ${env.instanceId}`));
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A shared function, not a closure: a closure here would keep the request alive with the socket.
    socket.on('error', destroyOnError);
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      refuseUpgrade(socket, 400, errorBody('SB_ERR_BAD_REQUEST'));
      return;
    }
    if (url.pathname !== wsPath && url.pathname !== `${wsPath}/`) {
      refuseUpgrade(socket, 404, errorBody('SB_ERR_ROUTE_NOT_FOUND'));
      return;
    }
    if ((request.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      refuseUpgrade(socket, 426, errorBody('SB_ERR_UPGRADE_REQUIRED', upgradeRequired), [
        'Upgrade: websocket',
      ]);
      return;
    }
    if (!env.open) {
      refuseUpgrade(socket, 503, errorBody('SB_ERR_UNAVAILABLE', 'Shutting down; reconnect.'));
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => env.accept(ws, request, url));
  };
}

/**
 * Mounts /ws on the app: upgrades go to the real-time layer, a plain GET gets
 * 426 with a coded body. (Closing the app closes every socket with 1001: see
 * http/graceful-close.ts.)
 */
export function mountWebSocket(app: FastifyInstance, realtime: RealtimeService): void {
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    realtime.handleUpgrade(request, socket, head),
  );
  app.get(wsPath, { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    return reply
      .code(426)
      .header('upgrade', 'websocket')
      .header('connection', 'Upgrade')
      .type('application/json; charset=utf-8')
      .send(errorBody('SB_ERR_UPGRADE_REQUIRED', upgradeRequired));
  });
}
