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

/** Who hears about requests: metrics, analytics and the access log (the running proxy). */
export interface ProxyObserver {
  requestDone(info: DoneInfo): void;
  retried(route: string, backend: string, reason: string): void;
}
