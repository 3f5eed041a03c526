import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/harness.js';
import { ROUTES } from '../../src/load.js';

const pkg = fileURLToPath(new URL('../..', import.meta.url));
const DURATION = 60;
const RATE = 20;

describe('load harness on the rig with a real Prometheus', () => {
  it(`drives ${String(DURATION)} s of load and reports SLOs from Prometheus' queries`, async () => {
    const out = process.env['LOAD_REPORT_DIR'] ?? (await mkdtemp(join(tmpdir(), 'sanctum-load-report-')));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--duration', String(DURATION), '--rate', String(RATE), '--out', out], {
      cwd: pkg,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const md = await readFile(join(out, 'report.md'), 'utf8').catch(() => '(no report.md)');
    expect(code, `${stderr}\n${md}`).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.ok).toBe(true);
    expect(report.prometheus.windowSeconds).toBeGreaterThanOrEqual(DURATION);
    expect(report.zeroErrors).toEqual({ ok: true, required: true, prometheusErrors: 0, clientErrors: 0 });
    // Every scheduled request was served and Prometheus counted each one.
    expect(report.countsMatch).toEqual({ ok: true, prometheus: DURATION * RATE, client: DURATION * RATE });
    for (const route of ROUTES) {
      const f = report.routes[route]!;
      expect(f.requests).toBe((DURATION * RATE) / ROUTES.length);
      expect(f.p50Seconds).toBeGreaterThan(0);
      expect(f.p99Seconds).toBeGreaterThanOrEqual(f.p50Seconds!);
      expect(f.recordingRuleP99Seconds5m).toBeGreaterThan(0);
    }
    expect(report.rules.filter((r) => r.type === 'alerting').length).toBeGreaterThan(0);
    expect(report.rules.every((r) => r.health === 'ok')).toBe(true);
    expect(md).toContain('# Load report — PASS');
  }, 120_000);
});
