import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import {
  boundariesPlugin,
  restrictedImportsFor,
  restrictedImportsOutside,
  workspacePackages,
} from './eslint-boundaries.js';

/** core is pure: no I/O and no Node APIs, so web and tests can run it anywhere. */
const corePurity = [
  {
    group: ['node:*', 'fs', 'net', 'http', 'pg', 'ws'],
    message: 'core is pure: no I/O and no Node APIs.',
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.switchboard/**',
      'test-results/**',
      'bench-results/**',
      // Generated from proto/ by npm run gen:proto.
      'packages/api/src/gen/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { switchboard: boundariesPlugin },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'switchboard/no-relative-escape': 'error',
      'no-restricted-imports': restrictedImportsOutside,
    },
  },
  {
    // Type-aware: a promise nobody awaits or handles loses its rejection (an
    // unhandled rejection ends the process), one passed where a callback
    // returning void is expected is never awaited by its caller, and awaiting
    // what is not a promise usually means a call that was meant to be one.
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // Package boundaries (eslint-boundaries.js): one block per package.
  ...workspacePackages.map((pkg) => ({
    files: [`packages/${pkg}/**/*.{ts,tsx,js}`],
    rules: { 'no-restricted-imports': restrictedImportsFor(pkg) },
  })),
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictedImportsFor('core', corePurity),
      'no-restricted-globals': ['error', 'process', 'Buffer', 'setTimeout', 'setInterval'],
    },
  },
  {
    files: ['packages/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
