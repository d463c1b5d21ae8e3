import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { builtFiles, installArgs, manifestFiles } from '../scripts/production-tree.mjs';
import { repoRoot } from '../test-support/processes.js';

/**
 * The image (issue 11, item 2). There is no Docker engine here, so it is never
 * built: the Dockerfile is linted (dockerfile-utils, the linter of the VS Code
 * Docker extension), its structure is checked, and its runtime stage is shown
 * to be the steps scripts/production-tree.mjs runs — which
 * packages/cli/test/production-build.test.ts runs and starts every role from.
 */
// CommonJS whose types declare a default export: the module is the function at run time.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;
const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const instructions = DockerfileParser.parse(dockerfile).getInstructions();

interface Stage {
  name: string;
  image: string;
  steps: Instruction[];
}

const stages: Stage[] = [];
for (const instruction of instructions) {
  if (instruction.getKeyword() === 'FROM') {
    const [image = '', , name = ''] = (instruction.getArgumentsContent() ?? '').split(/\s+/);
    stages.push({ name, image, steps: [] });
  } else {
    stages.at(-1)?.steps.push(instruction);
  }
}
const stage = (name: string) => stages.find((s) => s.name === name)!;
const args = (i: Instruction) => (i.getArgumentsContent() ?? '').replace(/\s+/g, ' ').trim();
const of = (s: Stage, keyword: string) => s.steps.filter((i) => i.getKeyword() === keyword);
/** JSON-form arguments (exec form) of an instruction. */
const json = (i: Instruction) => JSON.parse(args(i).replace(/^CMD /, '')) as string[];
/** COPY sources and destination, and its --from stage. */
function copies(s: Stage) {
  return of(s, 'COPY').map((i) => {
    const from = /--from=(\S+)/.exec(i.getTextContent())?.[1];
    const parts = args(i).split(' ');
    return { from, sources: parts.slice(0, -1), dest: parts.at(-1)! };
  });
}

describe('Dockerfile', () => {
  it('passes the linter', () => {
    expect(validate(dockerfile)).toEqual([]);
    // The linter does find problems (so an empty list means something).
    expect(validate('FROM node:22\nCMD ["a", "b"\nEXPOSE x\n').length).toBeGreaterThan(0);
  });

  it('has a build stage and a slim runtime stage, last', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const s of stages) expect(s.image).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim$/);
    const nodeVersion = instructions.find((i) => i.getKeyword() === 'ARG');
    // A Node line the project supports (package.json engines) and CI runs.
    expect(args(nodeVersion!)).toMatch(/^NODE_VERSION=(20|22|24)$/);
    expect(of(stage('build'), 'RUN').map(args)).toContain('npm run build');
  });

  it('runs as a non-root user, by number, the uid the Kubernetes manifests name', () => {
    const users = of(stage('runtime'), 'USER').map(args);
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
    for (const file of ['api.yaml', 'proxy.yaml', 'backup.yaml']) {
      const text = readFileSync(path.join(repoRoot, 'deploy/k8s/base', file), 'utf8');
      expect(text, file).toContain(`runAsUser: ${uid}`);
    }
  });

  it('has a HEALTHCHECK on /health with Node (no curl in a slim image)', () => {
    const [check] = of(stage('runtime'), 'HEALTHCHECK');
    expect(check).toBeDefined();
    const text = args(check!);
    expect(check!.getTextContent()).toMatch(/--interval=\d+s/);
    expect(check!.getTextContent()).toMatch(/--timeout=\d+s/);
    const command = JSON.parse(text.slice(text.indexOf('CMD ') + 4)) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    expect(command[2]).toContain('/health');
    expect(command[2]).toContain('process.exit(r.ok ? 0 : 1)');
  });

  it('runs the switchboard command under tini (compose.yaml sets init: false for it); the role is the CMD', () => {
    const [entrypoint] = of(stage('runtime'), 'ENTRYPOINT');
    expect(json(entrypoint!)).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      '/app/packages/cli/bin/switchboard.js',
    ]);
    expect(of(stage('runtime'), 'RUN').map(args).join('\n')).toMatch(/apt-get install .*\btini\b/);
    expect(json(of(stage('runtime'), 'CMD')[0]!)).toEqual(['up']);
    const compose = parse(readFileSync(path.join(repoRoot, 'compose.yaml'), 'utf8')) as {
      'x-switchboard-image': { init: boolean };
    };
    expect(compose['x-switchboard-image'].init).toBe(false);
  });

  it('is read-only-root friendly: DATA_DIR is the /data volume, owned by the user', () => {
    const runtime = stage('runtime');
    expect(of(runtime, 'ENV').map(args).join(' ')).toContain('DATA_DIR=/data');
    expect(of(runtime, 'VOLUME').map(args)).toEqual(['["/data"]']);
    expect(of(runtime, 'RUN').map(args)).toContain(
      'mkdir -p /data /backups && chown 1000:1000 /data /backups',
    );
    // The switchboard command on PATH (the backup CronJob runs `switchboard backup`).
    expect(of(runtime, 'ENV').map(args).join(' ')).toContain('PATH=/app/node_modules/.bin:');
    // Never PORT: it would override the proxy's configured listener.
    expect(of(runtime, 'ENV').map(args).join(' ')).not.toMatch(/\bPORT=/);
  });

  it("the runtime stage is scripts/production-tree.mjs's steps: manifests, npm ci --omit=dev, the build", () => {
    const runtime = stage('runtime');
    const all = copies(runtime);
    const install = all.findIndex((c) => c.from === 'build');
    const before = all.slice(0, install).flatMap((c) => c.sources);
    const after = all
      .slice(install)
      .flatMap((c) => c.sources.map((f) => (c.from ? f.replace(/^\/app\//, '') : f)));
    // The manifests come in before the install, the build (from the build stage) after it.
    expect(before.sort()).toEqual([...manifestFiles].sort());
    expect(after.sort()).toEqual([...builtFiles].sort());
    const npmCi = of(runtime, 'RUN')
      .map(args)
      .find((r) => r.startsWith('npm ci'));
    expect(npmCi).toContain(installArgs.join(' '));
  });
});

describe('.dockerignore', () => {
  const rules = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');
  const ignored = dockerignore({ ignorecase: false }).add(rules);

  it('keeps out dependencies, git, builds, data directories and secrets', () => {
    for (const p of [
      'node_modules/react/index.js',
      'packages/web/node_modules/.vite/x',
      '.git/HEAD',
      'packages/cli/dist/main.js',
      'packages/web/dist/index.html',
      '.switchboard/pg/PG_VERSION',
      'packages/cli/.switchboard/admin-token',
      'data/pg/base',
      '.env',
      '.env.local',
      'backup.sbk',
    ])
      expect(ignored.ignores(p), p).toBe(true);
    expect(ignored.ignores('.env.example')).toBe(false);
  });

  it('lets in every file the build copies from the context', () => {
    // Every tracked file of the build's inputs (sources, manifests, web assets).
    const tracked = execFileSync(
      'git',
      ['ls-files', 'package.json', 'package-lock.json', '.npmrc', 'tsconfig*.json', 'scripts'],
      { cwd: repoRoot, encoding: 'utf8' },
    )
      .split('\n')
      .concat(
        execFileSync('git', ['ls-files', 'packages'], { cwd: repoRoot, encoding: 'utf8' })
          .split('\n')
          .filter((f) => /^packages\/[^/]+\/(src\/|bin\/|fallback-web\/|public\/|[^/]+$)/.test(f))
          .filter((f) => !f.endsWith('.md')),
      )
      .filter(Boolean);
    expect(tracked.length).toBeGreaterThan(100);
    expect(tracked.filter((f) => ignored.ignores(f))).toEqual([]);
  });
});
