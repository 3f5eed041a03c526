import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { memoryCache } from '@sanctum/storage-cache-memory';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_CONFIG } from '../../src/config.js';
import { startService } from '../../src/service.js';

const exec = promisify(execFile);
const repo = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
const RULES = repo('infra/prometheus/sanctum-storage.rules.yml');
const RULE_TESTS = repo('infra/prometheus/tests/sanctum-storage.test.yml');
const DASHBOARD = repo('infra/grafana/sanctum-storage.json');

interface Dashboard {
  uid: string;
  panels: Array<{ id: number; title: string; type: string; gridPos: { h: number; w: number; x: number; y: number }; targets: Array<{ refId: string; expr: string }> }>;
}

/** Metric names a PromQL expression reads (identifiers followed by `{`, `[` or a space/paren). */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b[a-z_][a-z0-9_]*(?=\{|\[)/g) ?? [];
  return names.filter((n) => !['by', 'without', 'rate', 'increase', 'sum', 'max', 'histogram_quantile'].includes(n));
}

beforeAll(async () => {
  // CI runs on a clean machine: install promtool (Debian's prometheus package) when it is missing.
  await exec('bash', [repo('tooling/load/bin/ensure-apt.sh'), 'promtool', 'prometheus'], { timeout: 300_000 });
}, 320_000);

describe('Prometheus alert rules', () => {
  it('pass `promtool check rules`', async () => {
    const { stdout } = await exec('promtool', ['check', 'rules', RULES]);
    expect(stdout).toContain('SUCCESS');
  });

  it('pass their unit tests (`promtool test rules`)', async () => {
    const { stdout } = await exec('promtool', ['test', 'rules', RULE_TESTS]);
    expect(stdout).toContain('SUCCESS');
  });
});

describe('Grafana dashboard', () => {
  let dashboard: Dashboard;
  beforeAll(async () => {
    dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Dashboard;
  });

  it('is well-formed: unique panel ids, a grid position and at least one query each', () => {
    expect(dashboard.uid).toBe('sanctum-storage');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.w, panel.title).toBeGreaterThan(0);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const topic of ['requests', 'latency', 'errors by', 'cache hit', 'circuit', 'consistency', 'stream']) expect(titles).toContain(topic);
  });

  it('every query is valid PromQL (checked by promtool as recording rules)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sanctum-dash-'));
    try {
      const rules = dashboard.panels.flatMap((p) =>
        p.targets.map((t, i) => {
          const expr = t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$job', '.*');
          return `      - record: dashboard:panel_${p.id}_${i}\n        expr: ${JSON.stringify(expr)}`;
        }),
      );
      const file = join(dir, 'dashboard.rules.yml');
      await writeFile(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const { stdout } = await exec('promtool', ['check', 'rules', file]);
      expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads only metrics the sample service exports (rules too)', async () => {
    const service = await startService({ config: EMBEDDED_CONFIG, adapters: [memoryCache()] });
    let exported: Set<string>;
    try {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      exported = new Set([...text.matchAll(/^# TYPE ([a-z_:][a-z0-9_:]*) (\w+)/gm)].flatMap((m) => (m[2] === 'histogram' ? [m[1]!, `${m[1]}_bucket`, `${m[1]}_sum`, `${m[1]}_count`] : [m[1]!])));
    } finally {
      await service.shutdown();
    }
    const rulesText = await readFile(RULES, 'utf8');
    const used = new Set([...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr))), ...[...rulesText.matchAll(/expr: (.*)/g)].flatMap((m) => metricNames(m[1]!))]);
    used.delete('up');
    const missing = [...used].filter((name) => !exported.has(name) && !name.startsWith('sanctum:'));
    expect(missing).toEqual([]);
  });
});
