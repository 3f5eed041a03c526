import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';
import * as prometheus from '../../src/observability/prometheus.js';
import * as spi from '../../src/spi/index.js';
import * as testing from '../../src/testing.js';

// Pins every entry point's export list (ADR-006). Adding or removing a public name is a decision:
// change the list here, the ADR when the rule changes, and a changeset.
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The type names an entry file exports (types leave no trace at runtime, so they are read from the source). */
function typeExports(file: string): string[] {
  const text = readFileSync(join(packageDir, file), 'utf8');
  const listed = [...text.matchAll(/export type \{([^}]*)\}/g)].flatMap((match) => match[1]!.split(','));
  const declared = [...text.matchAll(/export (?:interface|type) (\w+)/g)].map((match) => match[1]!);
  return [...listed, ...declared].map((name) => name.trim()).filter((name) => name !== '').sort();
}

const ERROR_VALUES = ['RETRYABLE_BY_DEFAULT', 'STORAGE_ERROR_CODES', 'StorageError', 'isStorageError', 'isStorageErrorCode'];
const COMMON_TYPES = ['Consistency', 'HealthReport', 'JsonObject', 'JsonValue', 'OperationOptions', 'Page', 'StandardSchemaV1', 'StoreKind', 'WriteResult'];

const ENTRIES = {
  '.': {
    file: 'src/index.ts',
    module: root,
    values: [
      ...ERROR_VALUES,
      'CHECKSUM_METADATA_KEY',
      'CIRCUIT_STATE',
      'DEAD_LETTER',
      'IDEMPOTENCY_KEY_HEADER',
      'SUPPORTED_SCHEMA_VERSIONS',
      'createChaosControl',
      'createJsonLogger',
      'createNoopLogger',
      'createNoopMetrics',
      'createStorageClient',
      'deadLetterNamespace',
      'idempotentHandler',
      'parseConfig',
      'storageConfigV1',
      'validateConfig',
    ],
    types: [
      ...COMMON_TYPES,
      'AdapterFactory',
      'AdapterInstanceConfig',
      'AdapterLabels',
      'BlobAcl',
      'BlobCollection',
      'BlobDownload',
      'BlobGetOptions',
      'BlobListOptions',
      'BlobMeta',
      'BlobNamespaceConfig',
      'BlobPutOptions',
      'BlobWriteResult',
      'BoundCounter',
      'BoundGauge',
      'BoundHistogram',
      'ByteRange',
      'CacheLabels',
      'ChaosControl',
      'ChaosSettings',
      'ChaosSettingsInput',
      'ClientHealth',
      'ConfigIssue',
      'ConfigValidation',
      'Counter',
      'ErrorLabels',
      'Gauge',
      'Histogram',
      'IdempotentHandlerOptions',
      'JsonLoggerOptions',
      'Layer',
      'LayerContext',
      'LayerRuntime',
      'ListOptions',
      'LogEvent',
      'LogLevel',
      'Logger',
      'Message',
      'NamespaceConfig',
      'NamespaceLabels',
      'OperationLabels',
      'OutcomeLabels',
      'PublishOptions',
      'ReadOptions',
      'RecordCollection',
      'RecordDeleteOptions',
      'RecordNamespaceConfig',
      'RecordPutOptions',
      'RecordTransaction',
      'RecordTransactionCollection',
      'RecordWriteResult',
      'ResilienceConfig',
      'ResilienceConfigInput',
      'StartPosition',
      'StorageClient',
      'StorageConfig',
      'StorageConfigInput',
      'StorageErrorCode',
      'StorageErrorOptions',
      'StorageMetrics',
      'StorageRuntime',
      'StoredRecord',
      'StreamNamespaceConfig',
      'StreamTopic',
      'SubscribeOptions',
      'Subscription',
    ],
  },
  './spi': {
    file: 'src/spi/index.ts',
    module: spi,
    values: [
      ...ERROR_VALUES,
      'CHECKSUM_METADATA_KEY',
      'DEAD_LETTER',
      'ROOT_PATH',
      'abortReasonError',
      'abortedError',
      'classifySocketError',
      'configInvalid',
      'createMemoryBlobStore',
      'createMemoryRecordStore',
      'createMemoryStreamStore',
      'createNoopLogger',
      'deadLetterNamespace',
      'defineAdapter',
      'memoryBlobs',
      'memoryRecords',
      'memoryStreams',
      'parseOptions',
      'socketErrorCode',
      'throwIfAborted',
      'toOptionsIssues',
    ],
    types: [
      ...COMMON_TYPES,
      'AbortContext',
      'AdapterContext',
      'AdapterFactory',
      'AnyStore',
      'BlobAcl',
      'BlobCapabilities',
      'BlobDeleteRequest',
      'BlobGetRequest',
      'BlobHeadRequest',
      'BlobListPage',
      'BlobListRequest',
      'BlobMeta',
      'BlobObject',
      'BlobPresignRequest',
      'BlobPutRequest',
      'BlobStore',
      'BlobWriteResult',
      'ByteRange',
      'CacheCapabilities',
      'CacheEntry',
      'CacheStore',
      'LogEvent',
      'LogLevel',
      'Logger',
      'MemoryBlobStoreOptions',
      'MemoryRecordStoreOptions',
      'MemoryStreamStoreOptions',
      'MessageHandler',
      'NamespacedRequest',
      'OptionsIssue',
      'OutgoingMessage',
      'ParseOptionsContext',
      'PublishReceipt',
      'ReadPreferences',
      'RecordCapabilities',
      'RecordDeleteManyRequest',
      'RecordDeleteRequest',
      'RecordEntry',
      'RecordGetManyRequest',
      'RecordGetRequest',
      'RecordListRequest',
      'RecordOperations',
      'RecordPutManyRequest',
      'RecordPutRequest',
      'RecordStore',
      'RecordWriteResult',
      'SocketErrorClass',
      'StartPosition',
      'StorageErrorCode',
      'StorageErrorOptions',
      'StoreBase',
      'StreamCapabilities',
      'StreamMessage',
      'StreamPublishRequest',
      'StreamStore',
      'SubscribeRequest',
      'Subscription',
      'WriteConditions',
    ],
  },
  './testing': { file: 'src/testing.ts', module: testing, values: ['READ_YOUR_WRITES_DEADLINE_MS', 'cacheKey'], types: [] },
  './prometheus': { file: 'src/observability/prometheus.ts', module: prometheus, values: ['createPrometheusMetrics'], types: ['PrometheusMetricsOptions'] },
} as const;

describe('entry points (ADR-006)', () => {
  it('package.json exports exactly these entries, each from the file pinned here', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string> | string> };
    expect(Object.keys(manifest.exports).sort()).toEqual([...Object.keys(ENTRIES), './package.json'].sort());
    for (const [entry, { file }] of Object.entries(ENTRIES)) {
      const target = manifest.exports[entry] as Record<string, string>;
      expect(target['@sanctum/source'], entry).toBe(`./${file}`);
      expect(target['default'], entry).toBe(`./${file.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js')}`);
    }
  });

  it.each(Object.entries(ENTRIES))('%s exports exactly its pinned values and types', (_entry, { file, module, values, types }) => {
    expect(Object.keys(module).sort()).toEqual([...values].sort());
    expect(typeExports(file)).toEqual([...types].sort());
  });

  it('the root keeps internals out: no SPI plumbing, layer composition or cache keys', () => {
    for (const internal of ['cacheKey', 'composeLayers', 'READ_YOUR_WRITES_DEADLINE_MS', 'defineAdapter', 'createMemoryRecordStore', 'parseOptions']) {
      expect(Object.keys(root)).not.toContain(internal);
    }
  });
});
