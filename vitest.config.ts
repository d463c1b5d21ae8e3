import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Proxy suites that depend on which engine reads client connections. */
const engineSuites = [
  'chaos',
  'ejection',
  'forwarding',
  'hardening',
  'rate-limit',
  'reload',
  'retries',
  'routing',
  'static',
  'tls',
  'websocket',
].map((name) => `packages/proxy/test/${name}.test.ts`);

// Workspace packages export their TypeScript sources under the "source"
// condition, so tests run against src/ without a build step.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    globalSetup: ['test-support/global-database.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'all', include: ['packages/*/test/**/*.test.{ts,tsx}', 'test/**/*.test.ts'] },
      },
      {
        // The same suites once more on the node:http engine (`server.engine: node`),
        // which also serves whatever the raw engine hands over.
        extends: true,
        test: {
          name: 'proxy-node-engine',
          include: engineSuites,
          env: { SB_TEST_PROXY_ENGINE: 'node' },
        },
      },
    ],
  },
});
