import { describe, expect, it } from 'vitest';
import { createStorageClient, isStorageError } from '../../src/index.js';
import { createMemoryRecordStore, type RecordStore } from '../../src/spi/index.js';
import { composeLayers, type Layer, type LayerContext } from '../../src/layers/layer.js';
import { LAYER_SLOTS, defineLayer, layersOf, type LayerSlot } from '../../src/layers/pipeline.js';
import type { RecordNamespaceConfig } from '../../src/config/index.js';
import { createTestCache, factoryOf } from '../support/map-cache.js';

const context = {
  namespace: 'users',
  config: {} as RecordNamespaceConfig,
  adapter: 'memory',
  dbSystem: 'memory',
  runtime: {} as LayerContext<RecordNamespaceConfig>['runtime'],
  shared: <T>(_token: symbol, create: () => T) => create(),
  onClose: () => {},
} satisfies LayerContext<RecordNamespaceConfig>;

function bareStore(): RecordStore {
  return {
    kind: 'record',
    name: 'bare',
    capabilities: { ttl: false, bulk: false, transactions: false },
    get: () => Promise.resolve(undefined),
    put: () => Promise.resolve({ version: 1, etag: 'e' }),
    delete: () => Promise.resolve(false),
    list: () => Promise.resolve({ items: [] }),
  };
}

/** A user layer in `slot` that records, on every get, that it ran. */
function recorder(slot: LayerSlot, seen: string[]) {
  return defineLayer({ kind: 'record', slot, name: `record-${slot}`, layer: (next) => ({ get: (request) => (seen.push(slot), next.get(request)) }) });
}

describe('layer kernel', () => {
  it('pins the one layer order', () => {
    expect(LAYER_SLOTS).toEqual(['validate', 'observe', 'acl', 'cache', 'encryption', 'integrity', 'resilience']);
  });

  it('runs user layers slot by slot, built-ins at their places (validate outside, cache above resilience)', async () => {
    const seen: string[] = [];
    const cache = createTestCache();
    const client = createStorageClient(
      {
        schemaVersion: 1,
        caches: { hot: { use: 'under-test' } },
        namespaces: { users: { kind: 'record', cache: 'hot', consistency: 'eventual' } },
      },
      // Given in reverse: the order comes from the slots, not from the list.
      { adapters: [factoryOf(cache)], layers: [...LAYER_SLOTS].reverse().map((slot) => recorder(slot, seen)) },
    );
    const users = client.records('users');
    await users.put('k', 1);
    await users.get('k'); // miss: every layer
    expect(seen).toEqual([...LAYER_SLOTS]);
    seen.length = 0;
    await users.get('k'); // hit: the built-in cache answers; layers inside it (its own slot's user layer too) do not run
    expect(seen).toEqual(['validate', 'observe', 'acl']);
    seen.length = 0;
    await expect(users.get('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(seen).toEqual([]); // the built-in validate layer sits outside the user's validate-slot layer
  });

  it('passes unchanged methods through as the very same function (an absent layer costs nothing)', () => {
    const adapter = bareStore();
    const onlyGet: Layer<RecordStore, RecordNamespaceConfig> = (next) => ({ get: (request) => next.get(request) });
    const composed = composeLayers(adapter, [onlyGet, () => undefined], context);
    expect(composed.get).not.toBe(adapter.get);
    expect(composed.put).toBe(adapter.put);
    expect(composed.delete).toBe(adapter.delete);
    expect(composed.list).toBe(adapter.list);
    expect(composeLayers(adapter, [() => undefined], context)).toBe(adapter);
  });

  it('keeps absent optional methods absent, even when a layer defines them', () => {
    const wantsBulk: Layer<RecordStore, RecordNamespaceConfig> = (next) => ({
      getMany: (request) => next.getMany!(request),
      transaction: (work) => next.transaction!(work),
    });
    const composed = composeLayers(bareStore(), [wantsBulk], context);
    expect('getMany' in composed).toBe(false);
    expect('transaction' in composed).toBe(false);
    expect(Object.keys(composed).sort()).toEqual(['capabilities', 'delete', 'get', 'kind', 'list', 'name', 'put']);
  });

  it('binds class-based adapters once, so pass-through methods keep their `this`', async () => {
    const store = createMemoryRecordStore();
    const composed = composeLayers(store, [(next) => ({ get: (request) => next.get(request) })], context);
    await composed.put({ namespace: 'users', key: 'k', value: 1 });
    expect((await composed.get({ namespace: 'users', key: 'k' }))?.value).toBe(1);
    expect(typeof composed.transaction).toBe('function');
  });

  it('applies the layers of each namespace inside transactions (validate included)', async () => {
    const seen: string[] = [];
    const layer = defineLayer({
      kind: 'record',
      slot: 'acl',
      name: 'spy',
      layer: (next, ctx) => ({ put: (request) => (seen.push(`${ctx.namespace}${ctx.transaction ? ':tx' : ''}`), next.put(request)) }),
    });
    const client = createStorageClient(
      {
        schemaVersion: 1,
        namespaces: { small: { kind: 'record', maxValueBytes: 16 }, other: { kind: 'record', maxValueBytes: 16 } },
      },
      { layers: [layer] },
    );
    const small = client.records<string>('small');
    const tooBig = 'x'.repeat(100);
    await expect(small.transaction((tx) => tx.put('k', tooBig))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', namespace: 'small' });
    await expect(small.transaction((tx) => tx.records<string>('other').put('k', tooBig))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      namespace: 'other',
    });
    await expect(small.transaction((tx) => tx.put('', 'v'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await small.find('k')).toBeUndefined();
    await small.transaction(async (tx) => {
      await tx.put('k', 'v');
      await tx.records<string>('other').put('k', 'w');
    });
    expect(seen).toEqual(['small:tx', 'other:tx']);
  });

  it('refuses malformed runtime layers with CONFIG_INVALID naming each problem', () => {
    const attempt = () =>
      createStorageClient(
        { schemaVersion: 1, namespaces: {} },
        { layers: [{ kind: 'table', slot: 'middle', name: 'x', layer: 1 } as never] },
      );
    expect(attempt).toThrow(/runtime\.layers\[0\]\.kind[\s\S]*runtime\.layers\[0\]\.slot[\s\S]*runtime\.layers\[0\]\.layer/);
    try {
      attempt();
    } catch (error) {
      expect(isStorageError(error, 'CONFIG_INVALID')).toBe(true);
    }
  });

  it('orders built-in layers by slot for every kind', () => {
    // validate, observe, acl, cache | encryption | integrity, then resilience and chaos (inside it) for each kind
    expect(layersOf('record').map((layer) => layer.name)).toEqual(['validateRecords', 'observeRecords', 'aclRecords', 'cacheRecords', 'encryptRecords', 'resilientRecords', 'chaosRecords']);
    expect(layersOf('blob').map((layer) => layer.name)).toEqual(['validateBlobs', 'observeBlobs', 'aclBlobs', 'encryptBlobs', 'integrityBlobs', 'resilientBlobs', 'chaosBlobs']);
    expect(layersOf('stream').map((layer) => layer.name)).toEqual(['validateStreams', 'observeStreams', 'aclStreams', 'encryptStreams', 'resilientStreams', 'chaosStreams']);
  });
});
