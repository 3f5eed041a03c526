import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createJsonLogger, createNoopLogger, createNoopMetrics } from '../../src/index.js';
import { createPrometheusMetrics } from '../../src/observability/prometheus.js';

const labels = { namespace: 'users', kind: 'record', operation: 'get', adapter: 'memory' };

describe('loggers', () => {
  it('noop logger accepts events and writes nothing', () => {
    expect(() => createNoopLogger().log({ event: 'x', level: 'error' })).not.toThrow();
  });

  it('json logger writes one JSON line per event at or above its level', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'warn', write: (line) => lines.push(line), now: () => 0 });
    logger.log({ event: 'storage.error', level: 'error', code: 'TIMEOUT', correlationId: 'c1' });
    logger.log({ event: 'storage.debug', level: 'info' });
    logger.log({ event: 'storage.cache.error', level: 'warn' });
    expect(lines).toHaveLength(2);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({ time: '1970-01-01T00:00:00.000Z', event: 'storage.error', level: 'error', code: 'TIMEOUT', correlationId: 'c1' });
  });

  it('json logger defaults to info level on stderr', () => {
    const original = process.stderr.write.bind(process.stderr);
    const written: string[] = [];
    process.stderr.write = ((chunk: string) => {
      written.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      const logger = createJsonLogger();
      logger.log({ event: 'a', level: 'debug' });
      logger.log({ event: 'b', level: 'info' });
    } finally {
      process.stderr.write = original;
    }
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!).event).toBe('b');
  });
});

describe('noop metrics', () => {
  it('binds every instrument and ignores every call', () => {
    const metrics = createNoopMetrics();
    expect(() => {
      metrics.requestsTotal.bind({ ...labels, outcome: 'ok' }).inc();
      metrics.errorsTotal.bind({ ...labels, code: 'TIMEOUT' }).inc(2);
      metrics.retriesTotal.bind(labels).inc();
      metrics.durationSeconds.bind({ ...labels, outcome: 'ok' }).observe(0.1);
      metrics.payloadBytes.bind(labels).observe(10);
      metrics.cacheRequestsTotal.bind({ namespace: 'n', kind: 'record', result: 'hit' }).inc();
      metrics.circuitState.bind({ adapter: 'pg' }).set(2);
      metrics.consistencyViolationsTotal.bind({ namespace: 'n', kind: 'record' }).inc();
    }).not.toThrow();
  });
});

describe('prometheus metrics', () => {
  it('registers every documented series and records through bound instruments', async () => {
    const registry = new Registry();
    const metrics = createPrometheusMetrics({ registry });
    metrics.requestsTotal.bind({ ...labels, outcome: 'ok' }).inc();
    metrics.errorsTotal.bind({ ...labels, code: 'TIMEOUT' }).inc();
    metrics.retriesTotal.bind(labels).inc(3);
    metrics.durationSeconds.bind({ ...labels, outcome: 'ok' }).observe(0.002);
    metrics.payloadBytes.bind(labels).observe(512);
    metrics.cacheRequestsTotal.bind({ namespace: 'users', kind: 'record', result: 'hit' }).inc();
    metrics.circuitState.bind({ adapter: 'postgres' }).set(2);
    metrics.consistencyViolationsTotal.bind({ namespace: 'users', kind: 'record' }).inc();
    const text = await registry.metrics();
    for (const name of [
      'storage_requests_total',
      'storage_errors_total',
      'storage_retries_total',
      'storage_operation_duration_seconds',
      'storage_payload_bytes',
      'storage_cache_requests_total',
      'storage_circuit_state',
      'storage_consistency_violations_total',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toContain('storage_requests_total{namespace="users",kind="record",operation="get",adapter="memory",outcome="ok"} 1');
    expect(text).toContain('storage_retries_total{namespace="users",kind="record",operation="get",adapter="memory"} 3');
    expect(text).toContain('storage_circuit_state{adapter="postgres"} 2');
  });

  it('shares series when two clients use one registry, and honours custom buckets', async () => {
    const registry = new Registry();
    const a = createPrometheusMetrics({ registry, durationBuckets: [0.5], payloadBuckets: [100] });
    const b = createPrometheusMetrics({ registry });
    a.requestsTotal.bind({ ...labels, outcome: 'ok' }).inc();
    b.requestsTotal.bind({ ...labels, outcome: 'ok' }).inc();
    a.durationSeconds.bind({ ...labels, outcome: 'ok' }).observe(0.1);
    b.payloadBytes.bind(labels).observe(50);
    b.circuitState.bind({ adapter: 'x' }).set(1);
    const text = await registry.metrics();
    expect(text).toContain('outcome="ok"} 2');
    expect(text).toContain('le="0.5"');
    expect(text).toMatch(/storage_payload_bytes_bucket\{[^}]*le="100"\} 1/);
    expect(text).toMatch(/storage_operation_duration_seconds_bucket\{[^}]*le="0.5"\} 1/);
    expect(text).toMatch(/storage_operation_duration_seconds_bucket\{[^}]*le="\+Inf"\} 1/);
    expect(text).toMatch(/storage_operation_duration_seconds_sum\{[^}]*\} 0.1/);
  });

  it('puts observations above the last bucket only into +Inf, and resets with the registry', async () => {
    const registry = new Registry();
    const metrics = createPrometheusMetrics({ registry, payloadBuckets: [10] });
    metrics.payloadBytes.bind(labels).observe(50);
    let text = await registry.metrics();
    expect(text).toMatch(/storage_payload_bytes_bucket\{[^}]*le="10"\} 0/);
    expect(text).toMatch(/storage_payload_bytes_bucket\{[^}]*le="\+Inf"\} 1/);
    registry.resetMetrics();
    text = await registry.metrics();
    expect(text).not.toContain('storage_payload_bytes_bucket{');
  });

  it('refuses a registry where a foreign metric already uses one of our names', async () => {
    const { Counter } = await import('prom-client');
    const registry = new Registry();
    new Counter({ name: 'storage_requests_total', help: 'someone else', registers: [registry] });
    expect(() => createPrometheusMetrics({ registry })).toThrow(/already has a metric named storage_requests_total/);
  });

  it('uses the global registry by default', async () => {
    const { register } = await import('prom-client');
    register.clear();
    createPrometheusMetrics().requestsTotal.bind({ ...labels, outcome: 'error' }).inc();
    expect(await register.metrics()).toContain('outcome="error"} 1');
    register.clear();
  });
});
