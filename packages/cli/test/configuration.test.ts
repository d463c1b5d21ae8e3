import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiVariables } from '@switchboard/api';
import { proxySettings } from '@switchboard/proxy';
import { afterAll, describe, expect, it } from 'vitest';
import { configurationDoc, configurationDocPath } from '../scripts/config-docs.js';
import { upSettings } from '../src/up-config.js';
import { runSwitchboard } from './support/switchboard-run.js';

/**
 * Configuration for operators: every setting described, the generated table
 * current, secrets from env or files only and masked, bad values named.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'sb-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Each case starts the command (tsx compiles it): seconds apiece on shared cores.
const slow = 240_000;

const password = 'hunter2-very-secret';
const databaseUrl = `postgres://sb:${password}@db.example:5432/switchboard`;

describe('configuration', () => {
  it('describes every setting of every role', () => {
    expect(
      apiVariables()
        .filter((v) => !v.description)
        .map((v) => v.name),
    ).toEqual([]);
    expect(
      upSettings()
        .filter((s) => !s.description)
        .map((s) => s.env),
    ).toEqual([]);
    expect(
      proxySettings()
        .filter((s) => !s.description)
        .map((s) => s.yaml),
    ).toEqual([]);
    expect(proxySettings().length).toBeGreaterThan(50);
  });

  it('docs/configuration.md is what npm run docs:config generates (run it after changing a setting)', async () => {
    expect(readFileSync(configurationDocPath, 'utf8')).toBe(await configurationDoc());
  });

  it(
    'config check prints the effective configuration with secrets masked',
    async () => {
      const api = await runSwitchboard(['config', 'check', 'api'], {
        DATABASE_URL: databaseUrl,
        JWT_SECRET: 'x'.repeat(40),
        PORT: '4123',
      });
      expect(api.code, api.stderr).toBe(0);
      expect(api.stdout).toMatch(/PORT\s+4123\s+environment/);
      expect(api.stdout).toMatch(/HOST\s+127\.0\.0\.1\s+default/);
      expect(api.stdout).toMatch(
        /DATABASE_URL\s+postgres:\/\/sb:\*\*\*\*@db\.example:5432\/switchboard/,
      );
      expect(api.stdout).toMatch(/JWT_SECRET\s+\*\*\*\*/);
      expect(api.stdout + api.stderr).not.toContain(password);
      expect(api.stdout + api.stderr).not.toContain('x'.repeat(40));

      const up = await runSwitchboard(['config', 'check', 'up', '--instances', '2'], {
        DATABASE_URL: databaseUrl,
        ADMIN_TOKEN: 'an-admin-token-long-enough',
      });
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toContain('apiInstances: 2');
      expect(up.stdout).toContain('adminToken: "****"');
      expect(up.stdout + up.stderr).not.toContain(password);
      expect(up.stdout + up.stderr).not.toContain('an-admin-token-long-enough');

      const proxy = await runSwitchboard(
        ['config', 'check', 'proxy', '--backend', 'http://127.0.0.1:18401'],
        { ADMIN_TOKEN: 'proxy-admin-token-long-enough', REDIS_URL: `redis://:${password}@r:6379` },
      );
      expect(proxy.code, proxy.stderr).toBe(0);
      expect(proxy.stdout).toContain('http://127.0.0.1:18401');
      expect(proxy.stdout).toMatch(/token: "\*\*\*\*"/);
      expect(proxy.stdout + proxy.stderr).not.toContain(password);
      expect(proxy.stdout + proxy.stderr).not.toContain('proxy-admin-token-long-enough');
    },
    slow,
  );

  it(
    'reads secrets from NAME_FILE, and refuses both at once',
    async () => {
      const file = path.join(dir, 'database-url');
      writeFileSync(file, `${databaseUrl}\n`);
      const fromFile = await runSwitchboard(['config', 'check', 'api'], {
        DATABASE_URL: '',
        DATABASE_URL_FILE: file,
      });
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expect(fromFile.stdout).toMatch(/DATABASE_URL\s+postgres:\/\/sb:\*\*\*\*@db\.example/);
      const both = await runSwitchboard(['config', 'check', 'api'], {
        DATABASE_URL: databaseUrl,
        DATABASE_URL_FILE: file,
      });
      expect(both.code).toBe(2);
      expect(both.stderr).toContain(
        'DATABASE_URL_FILE: set DATABASE_URL or DATABASE_URL_FILE, not both',
      );
      const missing = await runSwitchboard(['config', 'check', 'api'], {
        DATABASE_URL: '',
        DATABASE_URL_FILE: path.join(dir, 'nope'),
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/DATABASE_URL_FILE: cannot read/);
    },
    slow,
  );

  it(
    'invalid values exit 2 naming the variable; secret-bearing flags are refused',
    async () => {
      const badPort = await runSwitchboard(['config', 'check', 'api'], {
        DATABASE_URL: databaseUrl,
        PORT: 'eighty',
      });
      expect(badPort.code).toBe(2);
      expect(badPort.stderr).toContain('PORT: must be a whole number (got "eighty")');
      const noDb = await runSwitchboard(['config', 'check', 'api'], { DATABASE_URL: '' });
      expect(noDb.code).toBe(2);
      expect(noDb.stderr).toContain('DATABASE_URL: is required');
      const badBus = await runSwitchboard(['config', 'check', 'up'], { BUS: 'kafka' });
      expect(badBus.code).toBe(2);
      expect(badBus.stderr).toMatch(/BUS: .*got "kafka"/);
      const badProxy = await runSwitchboard(
        ['config', 'check', 'proxy', '--backend', 'ftp://nope'],
        {},
      );
      expect(badProxy.code).toBe(2);
      expect(badProxy.stderr).toContain('backends[0].url');

      const tokenFlag = await runSwitchboard(
        ['config', 'check', 'up', '--admin-token', 'an-admin-token-long-enough'],
        {},
      );
      expect(tokenFlag.code).toBe(2);
      expect(tokenFlag.stderr).toContain('--admin-token: carries a secret');
      expect(tokenFlag.stderr).toContain('ADMIN_TOKEN or ADMIN_TOKEN_FILE');
      const urlFlag = await runSwitchboard(['up', '--database-url', databaseUrl], {});
      expect(urlFlag.code).toBe(2);
      expect(urlFlag.stderr).toContain('--database-url: carries a secret');
      expect(urlFlag.stderr).not.toContain(password);
      // A URL without a password is no secret: the flag stays usable.
      const plain = await runSwitchboard(
        ['config', 'check', 'up', '--database-url', 'postgres://db.example/switchboard'],
        {},
      );
      expect(plain.code, plain.stderr).toBe(0);
      const yaml = path.join(dir, 'up.yaml');
      writeFileSync(yaml, `admin_token: an-admin-token-long-enough\n`);
      const inFile = await runSwitchboard(['config', 'check', 'up', '--config', yaml], {});
      expect(inFile.code).toBe(2);
      expect(inFile.stderr).toContain(`admin_token (in ${yaml}): carries a secret`);
    },
    slow,
  );
});
