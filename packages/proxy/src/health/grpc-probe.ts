import { connect } from 'node:http2';
import type { CheckResult } from '../backend.js';
import type { PoolConfig } from '../config/load.js';
import type { Probe } from './probe.js';

const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

/** A length-prefixed gRPC message holding HealthCheckRequest{service}. */
function checkRequest(service: string): Buffer {
  const name = Buffer.from(service);
  // Field 1 (service), wire type 2; names of health checks are short (one-byte length).
  const msg =
    name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  return frame;
}

/** HealthCheckResponse.status from a length-prefixed message (0: UNKNOWN when absent). */
function servingStatus(body: Buffer): number {
  // Field 1 (status), varint: the only field of the message.
  return body[5] === 0x08 && body.length > 6 ? (body[6] as number) : 0;
}

/**
 * The gRPC health protocol (grpc.health.v1.Health/Check) over its own HTTP/2
 * connection: up when the call ends with grpc-status 0 and SERVING.
 */
export function grpcProbe(health: PoolConfig['health']): Probe {
  const request = checkRequest(health.grpc_service);
  return (url) =>
    new Promise<CheckResult>((resolve) => {
      const started = performance.now();
      const at = new Date().toISOString();
      const session = connect(url, { rejectUnauthorized: false });
      let settled = false;
      const done = (ok: boolean, error?: string, status?: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.destroy();
        resolve({
          ok,
          at,
          ...(status !== undefined ? { status } : {}),
          latency_ms: Math.round((performance.now() - started) * 100) / 100,
          ...(error !== undefined ? { error } : {}),
        });
      };
      const timer = setTimeout(() => done(false, 'timeout'), health.timeout);
      session.on('error', (e: Error & { code?: string }) => done(false, e.code ?? e.message));
      const stream = session.request({
        ':method': 'POST',
        ':path': HEALTH_CHECK,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': 'switchboard-proxy-health',
      });
      stream.on('error', (e: Error & { code?: string }) => done(false, e.code ?? e.message));
      let grpcStatus: string | undefined;
      stream.on('response', (h) => {
        if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      });
      stream.on('trailers', (t) => {
        if (t['grpc-status'] !== undefined) grpcStatus = String(t['grpc-status']);
      });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (grpcStatus !== '0') {
          done(false, `grpc-status ${grpcStatus ?? 'missing'}`);
          return;
        }
        const serving = servingStatus(Buffer.concat(chunks));
        if (serving === SERVING) done(true, undefined, serving);
        else done(false, `serving status ${serving}`, serving);
      });
      stream.end(request);
    });
}
