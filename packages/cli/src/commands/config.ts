import { apiConfigFromEnv, apiVariables, ConfigError } from '@switchboard/api';
import {
  buildCliConfig,
  ConfigError as ProxyConfigError,
  parseCliFlags,
  withEnvironment,
  proxySecretKeys,
} from '@switchboard/proxy';
import { stringify } from 'yaml';
import { maskSecret } from '../config/secrets.js';
import { parseUpConfig, UpConfigError } from '../up-config.js';

export const configUsage = `Usage: switchboard config check [api|proxy|up] [the role's own flags]

Reads the configuration the role would start with (environment, NAME_FILE
secrets, flags, YAML file), validates it and prints the effective values with
secrets masked. Exit status 2 when it is invalid, naming the variable or key.
Every setting is described in docs/configuration.md.`;

const mask = '****';

/** The API: every variable, its effective value and where it came from. */
function checkApi(env: NodeJS.ProcessEnv): string {
  apiConfigFromEnv(env);
  const lines = apiVariables().map((v) => {
    const given = env[v.name] === '' ? undefined : env[v.name];
    const value = given ?? v.default;
    const shown = v.secret ? maskSecret(v.name, value) : value;
    return `${v.name.padEnd(32)} ${(shown ?? '(unset)').padEnd(40)} ${given !== undefined ? 'environment' : 'default'}`;
  });
  return lines.join('\n');
}

function maskPath(obj: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  let at: Record<string, unknown> | undefined = obj;
  for (const k of keys.slice(0, -1)) at = at?.[k] as Record<string, unknown> | undefined;
  const last = keys.at(-1)!;
  if (at && typeof at[last] === 'string')
    at[last] = /url$/.test(last) ? maskSecret('X_URL', at[last]) : mask;
}

async function checkProxy(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const flags = withEnvironment(parseCliFlags(argv), env);
  const config = structuredClone(await buildCliConfig(flags, env)) as unknown as Record<
    string,
    unknown
  >;
  for (const key of proxySecretKeys) maskPath(config, key);
  return stringify(config).trimEnd();
}

function checkUp(argv: string[], env: NodeJS.ProcessEnv): string {
  const config = parseUpConfig(argv, env) as unknown as Record<string, unknown>;
  const shown: Record<string, unknown> = { ...config };
  for (const key of ['adminToken', 'databaseUrl', 'natsUrl', 'redisUrl']) {
    const v = config[key] as string | undefined;
    shown[key] = v === undefined ? '(unset)' : key === 'adminToken' ? mask : maskSecret('X_URL', v);
  }
  return stringify(shown).trimEnd();
}

/** `switchboard config check [api|proxy|up]`. */
export async function runConfig(argv: string[]): Promise<void> {
  const [sub, role = 'up', ...rest] = argv;
  if (sub !== 'check' || !['api', 'proxy', 'up'].includes(role)) {
    console.error(configUsage);
    process.exit(sub === '--help' || sub === '-h' || sub === undefined ? 0 : 2);
  }
  try {
    const out =
      role === 'api'
        ? checkApi(process.env)
        : role === 'proxy'
          ? await checkProxy(rest, process.env)
          : checkUp(rest, process.env);
    console.log(`# switchboard ${role}: effective configuration (secrets masked)\n${out}`);
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof UpConfigError ||
      err instanceof ProxyConfigError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`switchboard config check ${role}: invalid: ${(err as Error).message}`);
      process.exit(2);
    }
    throw err;
  }
}
