import { describe, expect, it } from 'vitest';
import { apiConfig, apiConfigFromEnv, ConfigError } from '../src/config.js';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    apiConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('API configuration from the environment', () => {
  it('has defaults for everything but the database', () => {
    const config = apiConfigFromEnv(base);
    expect(config).toMatchObject({ port: 3000, authMode: 'accounts', bus: 'pg', corsOrigins: [] });
    expect(errorOf({}).variable).toBe('DATABASE_URL');
  });

  it('gives the same defaults as apiConfig() but for the port and the log level', () => {
    const databaseUrl = base.DATABASE_URL;
    expect(apiConfigFromEnv(base)).toEqual(
      apiConfig({ databaseUrl, port: 3000, logLevel: 'info' }),
    );
    expect(apiConfig({ databaseUrl })).toMatchObject({ port: 0, logLevel: 'silent' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ AUTH_MODE: 'closed' }, 'AUTH_MODE'],
    [{ BUS: 'kafka' }, 'BUS'],
    [{ BUS: 'nats' }, 'NATS_URL'],
    [{ BUS: 'redis', REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ INSTANCE_ID: 'a b' }, 'INSTANCE_ID'],
    [{ BUS_PREFIX: 'has space' }, 'BUS_PREFIX'],
  ])('names the variable in error %#', (env, variable) => {
    const err = errorOf({ ...base, ...env });
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('open mode allows any origin unless CORS_ORIGINS says otherwise', () => {
    expect(apiConfigFromEnv({ ...base, AUTH_MODE: 'open' }).corsOrigins).toBe('*');
    expect(
      apiConfigFromEnv({
        ...base,
        AUTH_MODE: 'open',
        CORS_ORIGINS: 'https://a.test, https://b.test',
      }).corsOrigins,
    ).toEqual(['https://a.test', 'https://b.test']);
  });
});
