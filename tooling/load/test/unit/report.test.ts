import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/harness.js';
import { renderMarkdown } from '../../src/report.js';

const load = (name: string): Report => JSON.parse(readFileSync(new URL(`../../reports/${name}`, import.meta.url), 'utf8')) as Report;

describe('report.md', () => {
  it('renders the committed passing run as it was written', () => {
    expect(renderMarkdown(load('example.json'))).toBe(readFileSync(new URL('../../reports/example.md', import.meta.url), 'utf8'));
  });

  it('marks the failed checks of the chaos run (503s seen by client and Prometheus, alert pending)', () => {
    const md = renderMarkdown(load('example-chaos-15s.json'));
    expect(md).toMatch(/^# Load report — FAIL/);
    expect(md).toMatch(/\*\*FAIL\*\*: error-rate \(limit 0\)/);
    expect(md).toMatch(/- 0 errors: \*\*FAIL\*\* \(Prometheus [1-9]\d*, client [1-9]\d*\)/);
    expect(md).toContain('pending: `SanctumHighErrorRate`');
  });
});
