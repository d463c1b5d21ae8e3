/**
 * `npm run docs:config`: writes docs/configuration.md from the descriptions
 * in the code. The staleness test (packages/cli/test/configuration.test.ts)
 * renders the same text and compares.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { renderConfigurationDoc } from '../src/config/config-docs.js';

export const configurationDocPath = fileURLToPath(
  new URL('../../../docs/configuration.md', import.meta.url),
);

/** The file's text: rendered, then formatted as `npm run lint` (prettier) wants it. */
export async function configurationDoc(): Promise<string> {
  const options = await resolveConfig(configurationDocPath);
  return format(renderConfigurationDoc(), { ...options, filepath: configurationDocPath });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const next = await configurationDoc();
  const current = await readFile(configurationDocPath, 'utf8').catch(() => '');
  await writeFile(configurationDocPath, next);
  console.log(
    `${path.relative(process.cwd(), configurationDocPath)}: ${current === next ? 'unchanged' : 'written'}`,
  );
}
