import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { promQueries } from '../../src/harness.js';
import { ROUTES, quantile } from '../../src/load.js';
import { prometheusConfig } from '../../src/processes.js';
import { evaluateSlos, parseSloFile, type RouteFigures } from '../../src/slo.js';

const slo = parseSloFile({ defaults: { p50Seconds: 0.05, p99Seconds: 0.5, maxErrorRate: 0 }, routes: { 'GET /avatars/:id': { p99Seconds: 1 } } });
const good: RouteFigures = { requests: 240, errors: 0, p50Seconds: 0.01, p99Seconds: 0.2 };
const all = (f: RouteFigures): Map<string, RouteFigures> => new Map(ROUTES.map((r) => [r, f]));

describe('SLO evaluation', () => {
  it('passes figures within every limit and checks every route', () => {
    const checks = evaluateSlos(slo, ROUTES, all(good));
    expect(checks).toHaveLength(ROUTES.length * 4);
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it('fails a p99 above its limit, and applies per-route overrides', () => {
    const figures = all(good);
    figures.set('GET /profiles/:id', { ...good, p99Seconds: 0.6 });
    figures.set('GET /avatars/:id', { ...good, p99Seconds: 0.6 });
    const failed = evaluateSlos(slo, ROUTES, figures).filter((c) => !c.ok);
    expect(failed).toEqual([{ route: 'GET /profiles/:id', check: 'p99', limit: 0.5, actual: 0.6, ok: false }]);
  });

  it('fails a p50 above its limit', () => {
    const figures = all(good);
    figures.set('POST /events', { ...good, p50Seconds: 0.051 });
    expect(evaluateSlos(slo, ROUTES, figures).filter((c) => !c.ok).map((c) => `${c.route} ${c.check}`)).toEqual(['POST /events p50']);
  });

  it('fails one error when the limit is 0 errors', () => {
    const figures = all(good);
    figures.set('PUT /avatars/:id', { ...good, errors: 1 });
    expect(evaluateSlos(slo, ROUTES, figures).filter((c) => !c.ok).map((c) => `${c.route} ${c.check}`)).toEqual(['PUT /avatars/:id error-rate']);
  });

  it('treats missing data as a failure, never a pass', () => {
    const figures = all(good);
    figures.delete('GET /avatars/:id');
    figures.set('POST /events', { requests: 0, errors: 0, p50Seconds: undefined, p99Seconds: undefined });
    const failed = evaluateSlos(slo, ROUTES, figures).filter((c) => !c.ok).map((c) => `${c.route} ${c.check}`);
    expect(failed).toEqual([
      'GET /avatars/:id traffic', 'GET /avatars/:id p50', 'GET /avatars/:id p99', 'GET /avatars/:id error-rate',
      'POST /events traffic', 'POST /events p50', 'POST /events p99', 'POST /events error-rate',
    ]);
  });
});

describe('slo.json parsing', () => {
  it('accepts the committed slo.json', () => {
    const file = parseSloFile(JSON.parse(readFileSync(new URL('../../slo.json', import.meta.url), 'utf8')));
    expect(file.defaults.maxErrorRate).toBe(0);
    expect(file.zeroErrors).toBe(true);
    expect(parseSloFile(JSON.parse(readFileSync(new URL('../../slo.nightly.json', import.meta.url), 'utf8'))).zeroErrors).toBe(false);
  });

  it.each([
    [{}, /defaults must be an object/],
    [{ zeroErrors: 'yes', defaults: {} }, /zeroErrors must be true or false/],
    [{ defaults: {}, rutes: {} }, /rutes is not a known key/],
    [{ defaults: { p50Seconds: 0.05, p99Seconds: '1', maxErrorRate: 0 } }, /defaults\.p99Seconds must be a number >= 0 \(got "1"\)/],
    [{ defaults: { p50Seconds: 0.05, p99Seconds: 1, maxErrorRate: 2 } }, /defaults\.maxErrorRate is a fraction between 0 and 1/],
    [{ defaults: { p50Seconds: 0.05, p99Seconds: 1, maxErrorRate: 0, p95: 1 } }, /defaults\.p95 is not a known SLO field/],
    [{ defaults: { p50Seconds: 0.05, p99Seconds: 1, maxErrorRate: 0 }, routes: { '/events': {} } }, /routes\["\/events"\] must be keyed "METHOD \/route"/],
  ])('names the wrong field: %j', (json, message) => {
    expect(() => parseSloFile(json)).toThrow(message);
  });
});

describe('Prometheus wiring', () => {
  it('scrapes the service every second and loads the rules', () => {
    const yml = prometheusConfig({ rulesFile: '/repo/infra/prometheus/sanctum-storage.rules.yml', target: '127.0.0.1:8080', job: 'sanctum-sample-service' });
    expect(yml).toContain('scrape_interval: 1s');
    expect(yml).toContain('evaluation_interval: 1s');
    expect(yml).toContain('- "/repo/infra/prometheus/sanctum-storage.rules.yml"');
    expect(yml).toContain('targets: ["127.0.0.1:8080"]');
  });

  it('measures the window as counter now minus counter at the window start', () => {
    const q = promQueries(61_500);
    expect(q['requests']).toContain('offset 61500ms');
    expect(q['errors']).toContain('code!~"2.."');
    expect(q['p99']).toMatch(/^histogram_quantile\(0\.99, sum by \(route, method, le\)/);
  });
});

describe('client quantiles', () => {
  it('uses the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBeUndefined();
  });
});
