import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../src/index.js';

/** docs/errors.md must list exactly the registry's codes with the same statuses. */
function documentedCodes(): Map<string, number> {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\|\s*`(SB_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows.set(match[1]!, Number(match[2]));
  }
  return rows;
}

describe('docs/errors.md', () => {
  const documented = documentedCodes();

  it('documents every registered code with its status', () => {
    for (const [code, spec] of Object.entries(errorCatalog)) {
      expect(documented.get(code), code).toBe(spec.status);
    }
  });

  it('documents no code the registry lacks', () => {
    const registered = new Set(Object.keys(errorCatalog));
    expect([...documented.keys()].filter((code) => !registered.has(code))).toEqual([]);
  });
});
