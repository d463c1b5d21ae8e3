import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, sourceCondition, switchboardBin } from '../../../test-support/processes.js';
import { type Stack, startStack } from '../../../test-support/stack.js';

/**
 * `report` and `loadgen` find a running `up` the way `up` placed it — PORT,
 * ADMIN_ADDR, ADMIN_TOKEN and DATA_DIR from the environment or up's --config
 * file — rather than assuming :8080/:8081; a missing token is a message
 * saying where the token lives, not a raw 401.
 */
const elsewhere = mkdtempSync(path.join(tmpdir(), 'sb-cli-cwd-'));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    instances: 1,
    env: { RATE_LIMIT_PER_MINUTE: '0' },
    startTimeoutMs: 150_000,
  });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(elsewhere, { recursive: true, force: true });
});

function switchboard(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...sourceCondition, switchboardBin, ...args],
      {
        // Not the repository: the default ./.switchboard is not up's data directory here.
        cwd: elsewhere,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_PATH: path.join(repoRoot, 'node_modules'),
          ...env,
        },
        timeout: 90_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const portOf = (url: string) => new URL(url).port;
const adminAddr = () => new URL(stack.adminUrl).host;

describe('report and loadgen find up', () => {
  it('report reads ADMIN_ADDR and DATA_DIR (and its token there) from up.yaml given with --config', async () => {
    const yaml = path.join(elsewhere, 'up.yaml');
    writeFileSync(yaml, `admin_addr: "${adminAddr()}"\ndata_dir: ${stack.dataDir}\n`);
    const res = await switchboard(['report', '--config', yaml, '--json'], {});
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ period: 'hourly' });
  }, 120_000);

  it('report without a token says where the token is, not a raw 401', async () => {
    const res = await switchboard(['report'], { ADMIN_ADDR: adminAddr(), DATA_DIR: elsewhere });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/wants its token/);
    expect(res.stderr).toContain('ADMIN_TOKEN');
    expect(res.stderr).toContain(path.join(elsewhere, 'admin-token'));
    expect(res.stderr).not.toMatch(/SB_ERR|\{"error"/);
    const wrong = await switchboard(['report'], {
      ADMIN_ADDR: adminAddr(),
      ADMIN_TOKEN: 'not-the-token-at-all',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the token from ADMIN_TOKEN/);
  }, 120_000);

  it('loadgen targets PORT when no --url is given', async () => {
    const res = await switchboard(
      ['loadgen', '--duration', '1', '--users', '1', '--rate', '5', '--accounts', '1', '--json'],
      { PORT: portOf(stack.url) },
    );
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { requests: number; errors: Record<string, number> };
    expect(report.requests).toBeGreaterThan(0);
    expect(report.errors).toEqual({});
  }, 120_000);
});
