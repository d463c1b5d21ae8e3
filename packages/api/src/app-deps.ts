import type { BoardEvent, User } from '@switchboard/core';
import type { AuthRateLimits } from './auth/auth-limits.js';
import type { SessionVerifier } from './auth/sessions.js';
import type { TokenService } from './auth/tokens.js';
import type { FileStore } from './attachments/file-store.js';
import type { ApiConfig } from './config.js';
import type { ApiMetrics } from './metrics/api-metrics.js';
import type { RealtimeService } from './realtime/service.js';
import type { Db } from './store/db.js';
import type { UnsplashSearchLimit } from './unsplash/search-limit.js';
import type { UnsplashClient } from './unsplash/unsplash-client.js';

export interface Readiness {
  ok: boolean;
  /** Shutting down (SIGTERM, SHUTDOWN_DELAY_MS): not ready, whatever the checks say. */
  draining?: boolean;
  checks: Record<string, 'ok' | string>;
}

/** Everything buildApp needs, made by the caller (server.ts, tests). */
export interface AppDeps {
  config: ApiConfig;
  db: Db;
  tokens: TokenService;
  sessions: SessionVerifier;
  authLimits: AuthRateLimits;
  /** The built-in user of AUTH_MODE=open. */
  anonymous: User;
  readiness(): Promise<Readiness>;
  /** Told of every event this instance commits (e.g. to wake its own WebSocket hub early). */
  onCommitted?(events: readonly BoardEvent[]): void;
  /** The WebSocket hub behind /ws; without it /ws is not served. */
  realtime?: RealtimeService;
  /** Where attachments' bytes live (PostgreSQL chunk rows, or an S3-compatible store). */
  files: FileStore;
  /** Unsplash photos for backgrounds; without it (no UNSPLASH_ACCESS_KEY) colours and gradients only. */
  unsplash?: { client: UnsplashClient; searchLimit: UnsplashSearchLimit };
  /** Prometheus series behind GET /metrics; without it /metrics is not served. */
  metrics?: ApiMetrics;
}
