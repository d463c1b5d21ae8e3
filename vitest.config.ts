import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the "source"
// condition, so tests run against src/ without a build step.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // Not "module": Node never reads it, and packages such as the AWS SDK point it at
  // bundler-only builds (extensionless imports) that Node cannot load.
  ssr: {
    resolve: {
      conditions: ['source', ...defaultServerConditions.filter((c) => c !== 'module')],
    },
  },
  test: {
    globalSetup: ['test-support/global-database.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        // Suites that depend on the proxy's engine run over every engine in
        // their own file: packages/proxy/test/helpers/engines.ts (forEachEngine).
        extends: true,
        test: { name: 'all', include: ['packages/*/test/**/*.test.{ts,tsx}', 'test/**/*.test.ts'] },
      },
    ],
  },
});
