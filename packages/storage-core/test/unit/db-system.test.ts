import { InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError, type LogEvent } from '../../src/index.js';
import { createMemoryRecordStore } from '../../src/spi/index.js';
import { CORE_VERSION } from '../../src/client/layer-runtime.js';
import { defaultTracer } from '../../src/observability/tracing.js';
import { factoryOf } from '../support/map-cache.js';
import { withGet } from '../support/lagging-store.js';
import { readFileSync } from 'node:fs';

describe('observability wiring', () => {
  it("takes db.system from the factory, else the adapter's name", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const withSystem = { ...factoryOf(createMemoryRecordStore(), 'sql'), dbSystem: 'postgresql' };
    const client = createStorageClient(
      {
        schemaVersion: 1,
        adapters: { db: { use: 'sql' }, plain: { use: 'other' } },
        namespaces: { a: { kind: 'record', adapter: 'db' }, b: { kind: 'record', adapter: 'plain' } },
      },
      { adapters: [withSystem, factoryOf(createMemoryRecordStore(), 'other')], tracer: provider.getTracer('test') },
    );
    await client.records('a').find('k');
    await client.records('b').find('k');
    expect(exporter.getFinishedSpans().map((span) => span.attributes['db.system'])).toEqual(['postgresql', 'other']);
  });

  it('the default tracer skips spans only while no SDK is registered: one registered after the client was created is used from then on', async () => {
    const client = createStorageClient(
      { schemaVersion: 1, adapters: { db: { use: 'mem' } }, namespaces: { a: { kind: 'record', adapter: 'db' } } },
      { adapters: [factoryOf(createMemoryRecordStore(), 'mem')] },
    );
    await client.records('a').find('before');
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      await client.records('a').find('after');
      expect(exporter.getFinishedSpans().map((span) => [span.name, span.instrumentationScope.name])).toEqual([['storage.record.get', '@sanctum/storage']]);
    } finally {
      trace.disable();
    }
  });

  it('with nothing recorded (default runtime, no SDK), raw errors from the adapter still come out as StorageErrors, thrown or rejected', async () => {
    const throwing = withGet(createMemoryRecordStore(), () => {
      throw new TypeError('driver blew up synchronously');
    }, 'throwing');
    const rejecting = withGet(createMemoryRecordStore(), () => Promise.reject(new RangeError('driver rejected')), 'rejecting');
    const client = createStorageClient(
      { schemaVersion: 1, adapters: { t: { use: 'throwing' }, r: { use: 'rejecting' } }, namespaces: { a: { kind: 'record', adapter: 't' }, b: { kind: 'record', adapter: 'r' } } },
      { adapters: [factoryOf(throwing, 'throwing'), factoryOf(rejecting, 'rejecting')] },
    );
    for (const namespace of ['a', 'b']) {
      const error: unknown = await client.records(namespace).find('k').catch((e: unknown) => e);
      expect(isStorageError(error) && [error.code, error.namespace, error.operation]).toEqual(['INTERNAL', namespace, 'records.get']);
    }
  });

  it('an SDK registered before the client was created traces every call (no idle check)', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      expect(defaultTracer('x', '1').idle).toBeUndefined();
      const client = createStorageClient(
        { schemaVersion: 1, adapters: { db: { use: 'mem' } }, namespaces: { a: { kind: 'record', adapter: 'db' } } },
        { adapters: [factoryOf(createMemoryRecordStore(), 'mem')] },
      );
      await client.records('a').find('k');
      expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['storage.record.get']);
    } finally {
      trace.disable();
    }
    expect(defaultTracer('x', '1').idle?.()).toBe(true);
  });

  it('reports the package version as the tracer version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(CORE_VERSION).toBe(pkg.version);
  });

  it('adds observability.serviceName to every log event as `service`', async () => {
    const events: LogEvent[] = [];
    const broken = withGet(createMemoryRecordStore(), () => Promise.reject(new Error('disk on fire')));
    const client = createStorageClient(
      { schemaVersion: 1, adapters: { db: { use: 'broken' } }, namespaces: { a: { kind: 'record', adapter: 'db' } }, observability: { serviceName: 'billing' } },
      { adapters: [factoryOf(broken, 'broken')], logger: { log: (event) => events.push(event) } },
    );
    await client.records('a').get('missing').catch(() => undefined);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event['service'] === 'billing')).toBe(true);
  });
});
