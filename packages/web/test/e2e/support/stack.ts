import { startStack } from '../../../../../test-support/stack.js';
import { createTestDatabase } from '../../../../../test-support/database.js';
import { ensureWebBuild } from './web-build';

/**
 * The product as a user runs it: `switchboard up` (proxy on a free port in
 * front of API instances, the web build at /), here against a fresh database
 * of its own on the run's PostgreSQL instead of an embedded one.
 */
export interface E2EStack {
  url: string;
  adminToken: string;
  databaseUrl: string;
  /** Pids of the API instance processes by id (api-1, api-2…), as X-Served-By names them. */
  apiPids(): Map<string, number>;
  output(): string;
  stop(): Promise<void>;
}

export async function startE2EStack(
  options: {
    instances?: number;
    authMode?: 'accounts' | 'open';
    /** More environment for the stack (e.g. UNSPLASH_API_URL of a local stand-in). */
    env?: Record<string, string>;
  } = {},
): Promise<E2EStack> {
  await ensureWebBuild();
  const database = await createTestDatabase('web_e2e');
  let stack;
  try {
    stack = await startStack({
      instances: options.instances ?? 2,
      env: {
        DATABASE_URL: database.url,
        AUTH_MODE: options.authMode ?? 'accounts',
        // Tests fire requests faster than a person; the proxy's per-IP limit is not under test.
        RATE_LIMIT_PER_MINUTE: '0',
        ...options.env,
      },
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const started = stack;
  return {
    url: started.url,
    adminToken: started.adminToken,
    databaseUrl: database.url,
    apiPids: () => started.apiPids(),
    output: () => started.output(),
    stop: async () => {
      await started.stop();
      await database.drop();
    },
  };
}
