import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorCatalog } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { proxyErrors } from '../src/errors.js';

const docs = readFileSync(
  fileURLToPath(new URL('../../../docs/proxy.md', import.meta.url)),
  'utf8',
);

describe('proxy error registry', () => {
  const section = docs.slice(docs.indexOf('## Error codes'));
  const rows = new Map<string, number>();
  for (const m of section.matchAll(/^\|\s*`(SB_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    rows.set(m[1] as string, Number(m[2]));
  }

  it('matches the table in docs/proxy.md, code for code and status for status', () => {
    const registry = Object.fromEntries(Object.entries(proxyErrors).map(([k, v]) => [k, v.status]));
    expect(Object.fromEntries(rows)).toEqual(registry);
  });

  it('reuses core names with the same status where the meaning is shared', () => {
    for (const [code, spec] of Object.entries(proxyErrors)) {
      const core = (errorCatalog as Record<string, { status: number }>)[code];
      if (core) expect(spec.status, code).toBe(core.status);
    }
  });
});
