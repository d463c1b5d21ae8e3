import http2 from 'node:http2';
import type { Server } from 'node:http';
import type { DescService } from '@bufbuild/protobuf';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { AppDeps } from '../app-deps.js';
import { Health } from '../gen/grpc/health/v1/health_pb.js';
import { BoardService } from '../gen/switchboard/v1/board_service_pb.js';
import { ColumnService } from '../gen/switchboard/v1/column_service_pb.js';
import { TaskService } from '../gen/switchboard/v1/task_service_pb.js';
import { TaskService as SeedTaskService } from '../gen/task/v1/task_pb.js';
import { boardService } from './board-service.js';
import { columnService } from './column-service.js';
import { sniffH2c } from './h2c-sniffer.js';
import { healthService } from './health-service.js';
import { callInterceptor } from './interceptor.js';
import { reflectionService } from './reflection-service.js';
import { seedTaskService } from './seed-task-service.js';
import { taskService } from './task-service.js';
import { Watches } from './watches.js';

/** The largest message either way, as REST's body limit (gRPC's own default is 4 MiB). */
export const grpcMaxMessageBytes = 256 * 1024;

/** How long in-flight calls get after GOAWAY before their sessions are cut. */
const sessionGraceMs = 5_000;

export interface GrpcEndpoint {
  /** Graceful close: streams end with UNAVAILABLE, sessions get GOAWAY, then close. */
  close(): Promise<void>;
}

/** The services this instance serves over gRPC (health and reflection aside). */
const served: readonly DescService[] = [SeedTaskService, BoardService, ColumnService, TaskService];

/**
 * gRPC (and Connect, gRPC-Web over HTTP/2) on the HTTP server's own port:
 * connections that start with the HTTP/2 preface are served here, the rest
 * stay with Fastify. One ConnectRPC handler, the same deps as REST.
 */
export function mountGrpc(server: Server, deps: AppDeps): GrpcEndpoint {
  const watches = new Watches(deps.realtime);
  let closing = false;
  let markClosing!: () => void;
  const closingSignal = new Promise<void>((resolve) => (markClosing = resolve));
  const handler = connectNodeAdapter({
    readMaxBytes: grpcMaxMessageBytes,
    writeMaxBytes: grpcMaxMessageBytes,
    interceptors: [
      callInterceptor({
        instanceId: deps.config.instanceId,
        actors: {
          authMode: deps.config.authMode,
          anonymous: deps.anonymous,
          sessions: deps.sessions,
        },
        ...(deps.metrics
          ? {
              observe: (service, method, code, seconds) =>
                deps.metrics?.grpcCall(service, method, code, seconds),
            }
          : {}),
      }),
    ],
    routes: (router) => {
      seedTaskService(router, deps, watches);
      boardService(router, deps, watches);
      columnService(router, deps);
      taskService(router, deps);
      healthService(router, {
        services: served.map((s) => s.typeName),
        ready: async () => !closing && (await deps.readiness()).ok,
        closing: closingSignal,
      });
      reflectionService(router, [...served, Health]);
    },
  });
  const h2 = http2.createServer(
    { maxSessionMemory: 16, settings: { maxConcurrentStreams: 1000 } },
    handler,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  // A client that resets or vanishes is its own business: never an uncaught error here.
  h2.on('sessionError', () => {});
  h2.on('session', (session) => {
    session.on('error', () => {});
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    if (closing) session.close();
  });
  sniffH2c(server, (stream) => h2.emit('connection', stream));
  return {
    close: async () => {
      if (closing) return;
      closing = true;
      markClosing();
      watches.closeAll();
      // GOAWAY: clients open new calls elsewhere; calls in flight finish.
      const closed = [...sessions].map(
        (session) =>
          new Promise<void>((resolve) => {
            if (session.closed || session.destroyed) return resolve();
            const timer = setTimeout(() => session.destroy(), sessionGraceMs);
            session.close(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
      );
      await Promise.all(closed);
    },
  };
}
