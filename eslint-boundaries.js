// Package boundaries (DESIGN.md "The parts"): which workspace package may import
// which, always through its entry point, never through another package's src/.
// eslint.config.js turns this table into per-package `no-restricted-imports`
// blocks; the local rule below covers what that rule cannot see: relative
// paths (and `new URL('…', import.meta.url)`) that leave their package.
import path from 'node:path';

const packages = ['core', 'api', 'proxy', 'web', 'loadgen', 'cli'];

/**
 * What each package may import of ours. `names` limits the imports to those
 * names: the proxy is a generic load balancer and takes from core only its
 * coded errors and two pure helpers, never the board domain.
 */
export const allowedImports = {
  core: [],
  api: [{ pkg: 'core' }],
  proxy: [
    {
      pkg: 'core',
      names: [
        'CodedError',
        'errorFactory',
        'ErrorRegistry',
        'errorCatalog',
        'backoffDelay',
        'mulberry32',
      ],
    },
  ],
  web: [{ pkg: 'core' }],
  // The others only through their public entry points or the `switchboard`
  // command; never cli, which imports loadgen (a cycle).
  loadgen: [{ pkg: 'core' }, { pkg: 'api' }, { pkg: 'proxy' }],
  cli: [{ pkg: 'core' }, { pkg: 'api' }, { pkg: 'proxy' }, { pkg: 'loadgen' }, { pkg: 'web' }],
};

const deepImport = {
  group: ['@switchboard/*/**'],
  message: "Import the package's entry point (@switchboard/<name>), never a file inside it.",
};

/** The `no-restricted-imports` options for the files of one package (plus extra patterns). */
export function restrictedImportsFor(pkg, extraPatterns = []) {
  const allowed = allowedImports[pkg];
  const paths = [];
  for (const other of packages) {
    if (other === pkg) continue;
    const rule = allowed.find((a) => a.pkg === other);
    const name = `@switchboard/${other}`;
    if (!rule) {
      paths.push({
        name,
        message: `${pkg} may not import ${other} (DESIGN.md "The parts": dependency direction).`,
      });
    } else if (rule.names) {
      paths.push({
        name,
        allowImportNames: rule.names,
        message: `${pkg} takes from ${other} only: ${rule.names.join(', ')}.`,
      });
    }
  }
  // A package never imports itself by name: its own files are relative.
  paths.push({ name: `@switchboard/${pkg}`, message: 'Import your own package relatively.' });
  return ['error', { paths, patterns: [deepImport, ...extraPatterns] }];
}

/** For files outside the packages (test-support, configs): entry points only. */
export const restrictedImportsOutside = ['error', { patterns: [deepImport] }];

/**
 * Relative specifiers must stay inside their package. Tests and benchmarks
 * may also use the repository's test-support/; nothing in a package's src/
 * may. test-support itself reaches packages only through their entry points.
 */
const noRelativeEscape = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      escape:
        '"{{spec}}" leaves {{from}}: use the package entry point (@switchboard/<name>) or the `switchboard` command.',
    },
  },
  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const own = /^packages\/([^/]+)\//.exec(file);
    const inTestSupport = file.startsWith('test-support/');
    if (!own && !inTestSupport) return {};
    const home = own ? `packages/${own[1]}/` : 'test-support/';
    const inSrc = own !== null && file.startsWith(`${home}src/`);
    const check = (node, spec, intoPackagesOnly = false) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      if (target.startsWith(home)) return;
      if (intoPackagesOnly && !target.startsWith('packages/')) return;
      if (own && !inSrc && target.startsWith('test-support/')) return;
      context.report({ node, messageId: 'escape', data: { spec, from: home.slice(0, -1) } });
    };
    const fromSource = (node) => {
      if (node.source?.type === 'Literal') check(node.source, node.source.value);
    };
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: fromSource,
      // new URL('../../x', import.meta.url): a module path by another name. Only
      // a path into another package counts (the repository root, e.g. for
      // bench-results/, is not a package).
      NewExpression(node) {
        const [spec, base] = node.arguments;
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'URL' &&
          spec?.type === 'Literal' &&
          base?.type === 'MemberExpression' &&
          base.object.type === 'MetaProperty' &&
          base.property.name === 'url'
        ) {
          check(spec, spec.value, true);
        }
      },
    };
  },
};

export const boundariesPlugin = { rules: { 'no-relative-escape': noRelativeEscape } };
export { packages as workspacePackages };
