import { readFileSync } from 'node:fs';

/**
 * Settings that carry a secret. They are read from the environment or from a
 * file named by NAME_FILE (a Kubernetes or Docker secret mounted as a file),
 * never from a command-line flag (visible to every user in `ps`), and are
 * masked wherever configuration is printed.
 */
export const secretVariables = [
  'DATABASE_URL',
  'JWT_SECRET',
  'ADMIN_TOKEN',
  'REDIS_URL',
  'NATS_URL',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
] as const;

export class SecretFileError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'SecretFileError';
  }
}

/**
 * Returns the environment with each NAME_FILE read into NAME (trailing newline
 * dropped). Setting both is ambiguous and refused.
 */
export function resolveSecretFiles(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of secretVariables) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '')
      throw new SecretFileError(`${name}_FILE`, `set ${name} or ${name}_FILE, not both`);
    try {
      out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new SecretFileError(`${name}_FILE`, `cannot read ${file}: ${(err as Error).message}`);
    }
    delete out[`${name}_FILE`];
  }
  return out;
}

/** A URL with its password replaced, or a secret replaced whole. */
export function maskSecret(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return value;
  if (/_URL$/.test(name)) {
    try {
      const u = new URL(value);
      if (u.password) u.password = '****';
      return u.toString();
    } catch {
      return '****';
    }
  }
  return '****';
}
