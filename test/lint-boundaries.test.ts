import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * The package boundaries of DESIGN.md ("The parts") as lint enforces them
 * (eslint-boundaries.js): each case lints a small source as if it stood at
 * the given path, with the repository's own eslint.config.js.
 */
const eslint = new ESLint({
  cwd: new URL('..', import.meta.url).pathname,
  // The sources are not on disk, so there is no TypeScript program for them:
  // the boundary rules need none.
  overrideConfig: [tseslint.configs.disableTypeChecked],
});

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return (result?.messages ?? [])
    .filter(
      (m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'switchboard/no-relative-escape',
    )
    .map((m) => `${m.ruleId}: ${m.message}`);
}

const violations: [string, string, string, RegExp][] = [
  [
    'a service importing another service',
    'packages/api/src/x.ts',
    "import { startProxy } from '@switchboard/proxy';",
    /api may not import proxy/,
  ],
  [
    'the proxy importing core beyond its errors',
    'packages/proxy/src/x.ts',
    "import { boardSchema } from '@switchboard/core';",
    /proxy takes from core only/,
  ],
  [
    'core importing a service',
    'packages/core/src/x.ts',
    "import { buildApp } from '@switchboard/api';",
    /core may not import api/,
  ],
  [
    'core doing I/O',
    'packages/core/src/x.ts',
    "import { readFile } from 'node:fs/promises';",
    /core is pure/,
  ],
  ['web importing a service', 'packages/web/src/x.ts', "import '@switchboard/api';", /web may not/],
  [
    'loadgen importing the cli (which imports loadgen)',
    'packages/loadgen/src/x.ts',
    "import '@switchboard/cli';",
    /loadgen may not import cli/,
  ],
  [
    "a package name reaching into another package's src/",
    'packages/cli/src/x.ts',
    "import { apiConfig } from '@switchboard/api/src/config.js';",
    /entry point/,
  ],
  [
    "a relative path into another package's src/",
    'packages/loadgen/src/fanout/x.ts',
    "import { ensureDatabase } from '../../../cli/src/database-setup.js';",
    /leaves packages\/loadgen/,
  ],
  [
    'a module path built with new URL(…, import.meta.url)',
    'packages/loadgen/src/fanout/x.ts',
    "const main = new URL('../../../cli/src/main.ts', import.meta.url);",
    /leaves packages\/loadgen/,
  ],
  [
    'a dynamic import into another package',
    'packages/proxy/src/x.ts',
    "await import('../../api/src/app.js');",
    /leaves packages\/proxy/,
  ],
  [
    'product code using test-support',
    'packages/api/src/x.ts',
    "import { freePort } from '../../../test-support/processes.js';",
    /leaves packages\/api/,
  ],
  [
    "test-support reaching into a package's src/",
    'test-support/x.ts',
    "import { startEmbeddedPostgres } from '../packages/cli/src/embedded-postgres.js';",
    /leaves test-support/,
  ],
];

const allowed: [string, string, string][] = [
  [
    'the proxy taking its coded errors from core',
    'packages/proxy/src/x.ts',
    "import { CodedError } from '@switchboard/core';",
  ],
  [
    'a service importing core',
    'packages/api/src/x.ts',
    "import { boardSchema } from '@switchboard/core';",
  ],
  [
    'the cli importing every package',
    'packages/cli/src/x.ts',
    "import '@switchboard/api';\nimport '@switchboard/proxy';\nimport '@switchboard/loadgen';",
  ],
  [
    'a package importing its own files',
    'packages/api/src/routes/x.ts',
    "import { buildApp } from '../app.js';",
  ],
  [
    'a test importing its package and test-support',
    'packages/api/test/support/x.ts',
    "import { buildApp } from '../../src/app.js';\nimport { freePort } from '../../../../test-support/processes.js';",
  ],
  [
    'test-support using an entry point',
    'test-support/x.ts',
    "import { startEmbeddedPostgres } from '@switchboard/cli';",
  ],
];

describe('package boundaries in lint', () => {
  it.each(violations)('rejects %s', async (_name, filePath, code, expected) => {
    const errors = await boundaryErrors(filePath, code);
    expect(errors.join('\n')).toMatch(expected);
  });

  it.each(allowed)('allows %s', async (_name, filePath, code) => {
    expect(await boundaryErrors(filePath, code)).toEqual([]);
  });
});
