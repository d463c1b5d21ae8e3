import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteRuntime } from './router.js';

/** What is known about a request once it is answered (for metrics, analytics, logs). */
export interface DoneInfo {
  route: string;
  backend: string | undefined;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  bytes: number;
  requestId: string;
  clientIp: string;
  retries: number;
  error: string | undefined;
}

export interface ProxyObserver {
  requestDone(info: DoneInfo): void;
  retried(route: string, backend: string, reason: string): void;
}

export interface ForwardEnv extends ProxyObserver {
  readonly tls: boolean;
}

export type ProxiedRequest = IncomingMessage & { route?: RouteRuntime };
export type ProxiedResponse = ServerResponse;
