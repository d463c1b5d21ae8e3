/**
 * The reference for the fan-out benchmark: the plainest broadcast server `ws`
 * allows, with no auth, no log and no resume. POST /publish sends the body to
 * every connected client with ws.send (one string per client, as the ws
 * README's broadcast example does). Runs as a child process; reports its
 * port over IPC.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    for (const client of wss.clients) if (client.readyState === 1) client.send(body);
    res.writeHead(204).end();
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({
    type: 'listening',
    port: typeof address === 'object' && address ? address.port : 0,
  });
});
process.on('disconnect', () => process.exit(0));
