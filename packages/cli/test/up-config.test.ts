import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUpConfig, UpConfigError } from '../src/up-config.js';

function errorOf(argv: string[], env: Record<string, string>): UpConfigError {
  try {
    parseUpConfig(argv, env);
  } catch (err) {
    if (err instanceof UpConfigError) return err;
    throw err;
  }
  throw new Error('expected an UpConfigError');
}

describe('switchboard up configuration', () => {
  it('defaults: :8080, admin on loopback :8081, 3 instances, embedded database', () => {
    const c = parseUpConfig([], {});
    expect(c).toMatchObject({
      port: 8080,
      adminHost: '127.0.0.1',
      adminPort: 8081,
      apiInstances: 3,
      databaseUrl: undefined,
      bus: 'pg',
      authMode: 'accounts',
    });
    expect(c.dataDir).toBe(path.resolve('.switchboard'));
  });

  it.each([
    [{ PORT: 'x' }, 'PORT'],
    [{ PORT: '0' }, 'PORT'],
    [{ API_INSTANCES: '0' }, 'API_INSTANCES'],
    [{ ADMIN_ADDR: '8081' }, 'ADMIN_ADDR'],
    [{ DATABASE_URL: 'localhost' }, 'DATABASE_URL'],
    [{ BUS: 'nats' }, 'NATS_URL'],
    [{ AUTH_MODE: 'none' }, 'AUTH_MODE'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ GRPC_PORT: 'none' }, 'GRPC_PORT'],
    [{ GRPC_PORT: '70000' }, 'GRPC_PORT'],
  ])('a malformed value stops start-up naming the variable %#', (env, variable) => {
    expect(errorOf([], env).variable).toBe(variable);
  });

  it('flags beat the environment, which beats the YAML file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-up-'));
    const file = path.join(dir, 'up.yaml');
    writeFileSync(file, 'port: 9000\napi_instances: 2\nauth_mode: open\n');
    const c = parseUpConfig(['--config', file, '--instances', '5'], { PORT: '9100' });
    expect(c).toMatchObject({ port: 9100, apiInstances: 5, authMode: 'open' });
    writeFileSync(file, 'port: 9000\nportt: 1\n');
    expect(errorOf(['--config', file], {}).message).toMatch(/unknown keys: portt/);
    writeFileSync(file, 'port: nine\n');
    expect(errorOf(['--config', file], {}).variable).toMatch(/^port \(in /);
  });

  it('gRPC on :50051 by default, another port or off; only a chosen port is insisted on', () => {
    expect(parseUpConfig([], {})).toMatchObject({ grpcPort: 50051, grpcPortExplicit: false });
    expect(parseUpConfig([], { GRPC_PORT: '50052' })).toMatchObject({
      grpcPort: 50052,
      grpcPortExplicit: true,
    });
    expect(parseUpConfig(['--grpc-port', 'off'], {})).toMatchObject({ grpcPort: undefined });
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-up-'));
    const file = path.join(dir, 'up.yaml');
    writeFileSync(file, 'grpc_port: 50060\n');
    expect(parseUpConfig(['--config', file], {})).toMatchObject({
      grpcPort: 50060,
      grpcPortExplicit: true,
    });
  });
});
