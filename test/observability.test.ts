import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../test-support/processes.js';
import { promtoolAvailable, promtoolRun } from '../test-support/promtool.js';

/**
 * deploy/observability: the alert rules parse and fire as their unit tests say
 * (promtool), the example Prometheus config is valid, the Grafana dashboard's
 * queries are valid PromQL, and every series the rules and the dashboard name
 * is one the proxy or the API instances actually export.
 */
const dir = path.join(repoRoot, 'deploy/observability');
const tmp = mkdtempSync(path.join(tmpdir(), 'sb-observability-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Dashboard {
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
}
const dashboard = JSON.parse(
  readFileSync(path.join(dir, 'grafana-dashboard.json'), 'utf8'),
) as Dashboard;
const rules = parseYaml(readFileSync(path.join(dir, 'alerts.yaml'), 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
const dashboardExprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
const ruleExprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));

/** The series names the code registers (`name: 'sb_…'`), plus prom-client's defaults. */
function exportedNames(): Set<string> {
  const names = new Set<string>();
  for (const file of ['packages/api/src/metrics/api-metrics.ts', 'packages/proxy/src/metrics.ts']) {
    const source = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const m of source.matchAll(/name: '(sb_[a-z_]+)'/g)) names.add(m[1]!);
  }
  return names;
}

function isExported(name: string, exported: Set<string>): boolean {
  // prom-client's default series under each prefix (process_*, nodejs_*).
  if (/^sb_(api|proxy)_(process|nodejs)_/.test(name)) return true;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return exported.has(name) || exported.has(base);
}

describe('deploy/observability', () => {
  it('names only series that are exported', () => {
    const exported = exportedNames();
    expect(exported.size).toBeGreaterThan(20);
    const used = new Set(
      [...dashboardExprs, ...ruleExprs].flatMap((e) =>
        [...e.matchAll(/\bsb_[a-z_0-9]+/g)].map((m) => m[0]),
      ),
    );
    expect(used.size).toBeGreaterThan(10);
    const unknown = [...used].filter((n) => !isExported(n, exported));
    expect(unknown).toEqual([]);
  });

  it('the dashboard has a query on every panel', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(12);
    for (const p of dashboard.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
  });

  it('promtool: the rules are valid and their unit tests pass', async (ctx) => {
    if (!promtoolAvailable()) ctx.skip();
    const checked = await promtoolRun(['check', 'rules', path.join(dir, 'alerts.yaml')]);
    expect(checked.output).toContain('SUCCESS: 8 rules found');
    expect(checked.code).toBe(0);
    const tested = await promtoolRun(['test', 'rules', path.join(dir, 'alerts.test.yaml')]);
    expect(tested.output).toContain('SUCCESS');
    expect(tested.code).toBe(0);
  });

  it('promtool: the example Prometheus config is valid', async (ctx) => {
    if (!promtoolAvailable()) ctx.skip();
    const checked = await promtoolRun([
      'check',
      'config',
      '--syntax-only',
      path.join(dir, 'prometheus.yaml'),
    ]);
    expect(checked.code, checked.output).toBe(0);
  });

  it("promtool: every dashboard query is valid PromQL (as recording rules, with Grafana's variables filled)", async (ctx) => {
    if (!promtoolAvailable()) ctx.skip();
    const file = path.join(tmp, 'dashboard-rules.yaml');
    const recorded = dashboardExprs.map((expr, i) => ({
      record: `dashboard:query_${i}`,
      expr: expr.replaceAll('$__rate_interval', '1m'),
    }));
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: recorded }] }));
    const checked = await promtoolRun(['check', 'rules', file]);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toContain(`SUCCESS: ${recorded.length} rules found`);
  });
});
