import { InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createStorageClient, defineLayer, type LogEvent } from '../../src/index.js';
import { createPrometheusMetrics } from '../../src/observability/prometheus.js';

function setup() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const registry = new Registry();
  const events: LogEvent[] = [];
  const client = createStorageClient(
    { schemaVersion: 1, namespaces: { users: { kind: 'record' }, media: { kind: 'blob' }, events: { kind: 'stream' } } },
    { tracer: provider.getTracer('test'), metrics: createPrometheusMetrics({ registry }), logger: { log: (e) => events.push(e) } },
  );
  return { client, exporter, registry, events };
}

describe('observe layer', () => {
  it('records a span with the documented attributes for every operation', async () => {
    const { client, exporter } = setup();
    await client.records('users').put('k', 1);
    const [span] = exporter.getFinishedSpans();
    expect(span!.name).toBe('storage.record.put');
    expect(span!.attributes).toEqual({
      'storage.namespace': 'users',
      'storage.kind': 'record',
      'storage.operation': 'put',
      'storage.adapter': 'memory',
      'db.system': 'memory',
    });
  });

  it('marks failed spans with the error code and logs a structured error with a correlation id', async () => {
    const { client, exporter, events } = setup();
    await client.records('users').put('k', 1);
    await client
      .records('users')
      .put('k', 2, { ifMatch: 'stale', correlationId: 'req-42' })
      .catch(() => undefined);
    const failed = exporter.getFinishedSpans()[1]!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes['storage.error_code']).toBe('PRECONDITION_FAILED');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event: 'storage.error',
      level: 'error',
      correlationId: 'req-42',
      namespace: 'users',
      kind: 'record',
      operation: 'put',
      adapter: 'memory',
      code: 'PRECONDITION_FAILED',
      retryable: false,
    });
    expect(JSON.stringify(events[0])).not.toContain('"k"');
  });

  it('generates a correlation id when the caller gave none', async () => {
    const { client, events } = setup();
    await client.records('users').put('k', 1, { ifMatch: 'nope' }).catch(() => undefined);
    expect(events[0]!['correlationId']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts requests, errors by code, durations and blob payload bytes', async () => {
    const { client, registry } = setup();
    const users = client.records('users');
    await users.put('a', 1);
    await users.get('a');
    await users.get('missing').catch(() => undefined);
    await users.put('a', 2, { ifNoneMatch: '*' }).catch(() => undefined);
    await client.blobs('media').put('b', Buffer.alloc(300));
    await client.blobs('media').getBytes('b');
    const text = await registry.metrics();
    expect(text).toContain('storage_requests_total{namespace="users",kind="record",operation="get",adapter="memory",outcome="ok"} 2');
    expect(text).toContain('storage_errors_total{namespace="users",kind="record",operation="put",adapter="memory",code="ALREADY_EXISTS"} 1');
    expect(text).toContain('storage_operation_duration_seconds_count{namespace="users",kind="record",operation="put",adapter="memory",outcome="ok"} 1');
    expect(text).toContain('storage_payload_bytes_sum{namespace="media",kind="blob",operation="put",adapter="memory"} 300');
    expect(text).toContain('storage_payload_bytes_sum{namespace="media",kind="blob",operation="get",adapter="memory"} 300');
    expect(text).not.toMatch(/key="/);
  });

  // The observe layer reads the clock only when something records a duration; these pin that a
  // recorded duration is the call's own (a skipped start time would report the process uptime).
  async function slowFailingPut(runtime: Parameters<typeof createStorageClient>[1]) {
    while (performance.now() < 1_500) await new Promise((resolve) => setTimeout(resolve, 50));
    const slow = defineLayer({
      kind: 'record',
      slot: 'resilience',
      name: 'slow',
      layer: (next) => ({
        put: async (request) => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return next.put(request);
        },
      }),
    });
    const client = createStorageClient({ schemaVersion: 1, namespaces: { users: { kind: 'record' } } }, { ...runtime, layers: [slow] });
    await client.records('users').put('k', 1);
    await client.records('users').put('k', 2, { ifNoneMatch: '*' }).catch(() => undefined);
  }

  it("logs the failed call's own duration (a logger alone, no metrics)", async () => {
    const events: LogEvent[] = [];
    await slowFailingPut({ logger: { log: (e) => events.push(e) } });
    expect(events).toHaveLength(1);
    expect(events[0]!['durationMs']).toBeGreaterThanOrEqual(25);
    expect(events[0]!['durationMs']).toBeLessThan(1_000);
  });

  it.each(['ok', 'error'])("records the %s duration histogram with the call's own duration (metrics alone, no logger)", async (outcome) => {
    const registry = new Registry();
    await slowFailingPut({ metrics: createPrometheusMetrics({ registry }) });
    const text = await registry.metrics();
    const sum = new RegExp(`storage_operation_duration_seconds_sum\\{[^}]*operation="put"[^}]*outcome="${outcome}"\\} ([0-9.e-]+)`).exec(text);
    expect(Number(sum?.[1])).toBeGreaterThanOrEqual(0.025);
    expect(Number(sum?.[1])).toBeLessThan(1);
  });

  it('records published payload bytes, not a message count', async () => {
    const { client, registry } = setup();
    // JSON text: '"abcd"' is 6 bytes, '{"n":1}' is 7.
    await client.streams('events').publishBatch([{ payload: 'abcd' }, { payload: { n: 1 } }]);
    const text = await registry.metrics();
    expect(text).toContain('storage_payload_bytes_sum{namespace="events",kind="stream",operation="publish",adapter="memory"} 13');
    expect(text).toContain('storage_payload_bytes_count{namespace="events",kind="stream",operation="publish",adapter="memory"} 1');
  });

  it('turns an unexpected adapter error into INTERNAL and keeps the cause', async () => {
    const broken = {
      kind: 'record' as const,
      name: 'broken',
      capabilities: { ttl: false, bulk: false, transactions: false },
      get: async () => {
        throw new TypeError('boom');
      },
      put: async () => {
        const abort = new Error('aborted');
        abort.name = 'AbortError';
        throw abort;
      },
      delete: async () => {
        const timeout = new Error('timed out');
        timeout.name = 'TimeoutError';
        throw timeout;
      },
      list: async () => {
        throw 'a string';
      },
    };
    const client = createStorageClient(
      { schemaVersion: 1, adapters: { b: { use: 'broken' } }, namespaces: { n: { kind: 'record', adapter: 'b' } } },
      { adapters: [{ kind: 'record', name: 'broken', optionsSchema: { '~standard': { version: 1, vendor: 't', validate: (v: unknown) => ({ value: v }) } }, create: () => broken }] },
    );
    const n = client.records('n');
    const internal = await n.get('k').catch((e: unknown) => e);
    expect(internal).toMatchObject({ code: 'INTERNAL', adapter: 'broken', namespace: 'n', operation: 'records.get' });
    expect((internal as Error).cause).toBeInstanceOf(TypeError);
    expect(await n.put('k', 1).catch((e: unknown) => e)).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await n.delete('k').catch((e: unknown) => e)).toMatchObject({ code: 'TIMEOUT' });
    expect(await n.list().catch((e: unknown) => e)).toMatchObject({ code: 'INTERNAL', message: 'records.list failed unexpectedly: a string' });
    const unsupported = await n.getMany(['a']).catch((e: unknown) => e);
    expect(unsupported).toMatchObject({ code: 'UNSUPPORTED' });
    await expect(n.transaction(async () => 1)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
