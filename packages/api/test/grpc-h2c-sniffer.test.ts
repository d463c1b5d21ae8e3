import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffH2c } from '../src/grpc/h2c-sniffer.js';

/** One port, two protocols, with scripted bytes: what the sniffer decides, and when. */
let server: http.Server;
let port: number;
beforeAll(async () => {
  const h2 = http2.createServer((_req, res) => res.end('h2'));
  server = http.createServer((_req, res) => res.end('h1'));
  sniffH2c(server, (stream) => h2.emit('connection', stream), 300);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Writes the chunks with a pause between them; resolves with what came back until `done`. */
function script(chunks: (string | Buffer)[], done: (got: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (done(got)) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    void (async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  });
}

const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
// An empty SETTINGS frame: length 0, type 4, flags 0, stream 0.
const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

describe('h2c sniffer', () => {
  it('keeps HTTP/1.1 requests, even one arriving a byte at a time', async () => {
    const request = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const got = await script([...request], (b) => b.toString().endsWith('h1'));
    expect(got.toString()).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*h1$/);
  });

  it('keeps a request whose method starts like the preface (P…)', async () => {
    const got = await script(
      ['P', 'UT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'],
      (b) => b.toString().endsWith('h1'),
    );
    expect(got.toString()).toMatch(/^HTTP\/1\.1 200 OK/);
  });

  it('hands a split preface to HTTP/2, which answers with its SETTINGS', async () => {
    const got = await script(
      [preface.slice(0, 3), preface.slice(3, 17), preface.slice(17), settings],
      (b) => b.length >= 9,
    );
    expect(got[3]).toBe(4); // the server's first frame is SETTINGS
  });

  it('serves a real HTTP/2 client and a fetch on the same port', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/' });
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => resolve(text));
      req.on('error', reject);
    });
    session.close();
    expect(body).toBe('h2');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('h1');
  });

  it('closes a connection that sends nothing', async () => {
    const started = Date.now();
    const got = await script([], () => false);
    expect(got.length).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});
