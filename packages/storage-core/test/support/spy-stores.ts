import { createMemoryBlobStore, createMemoryRecordStore, type AdapterFactory, type BlobStore, type RecordStore } from '../../src/spi/index.js';

/** One adapter call as the spy saw it: the operation and the keys or prefix it touched. */
export interface SpiedCall {
  readonly operation: string;
  readonly keys: readonly string[];
  readonly prefix?: string;
}

const anyOptions = { '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) } } as const;

function keysOf(request: object): string[] {
  const r = request as { key?: string; keys?: readonly string[]; entries?: ReadonlyArray<{ key: string }> };
  if (r.key !== undefined) return [r.key];
  if (r.keys !== undefined) return [...r.keys];
  if (r.entries !== undefined) return r.entries.map((e) => e.key);
  return [];
}

function spy<S extends object>(inner: S, methods: readonly string[], calls: SpiedCall[]): S {
  const source = inner as Record<string, unknown>;
  const out: Record<string, unknown> = { kind: source['kind'], name: source['name'], capabilities: source['capabilities'] };
  for (const hook of ['open', 'close', 'health']) {
    const fn = source[hook];
    if (typeof fn === 'function') out[hook] = (fn as () => unknown).bind(inner);
  }
  for (const method of methods) {
    const fn = (inner as Record<string, unknown>)[method];
    if (typeof fn !== 'function') continue;
    out[method] = (request: object) => {
      const prefix = (request as { prefix?: string }).prefix;
      calls.push({ operation: method, keys: keysOf(request), ...(prefix === undefined ? {} : { prefix }) });
      return (fn as (r: object) => unknown).call(inner, request);
    };
  }
  return out as S;
}

/** Memory record and blob stores that log every adapter call; registered as `spy-records` / `spy-blobs`. */
export function spyStores(): { readonly calls: SpiedCall[]; readonly factories: AdapterFactory[]; readonly records: RecordStore } {
  const calls: SpiedCall[] = [];
  const records = spy(createMemoryRecordStore(), ['get', 'put', 'delete', 'list', 'getMany', 'putMany', 'deleteMany'], calls);
  const blobs = spy(createMemoryBlobStore(), ['get', 'put', 'head', 'delete', 'list', 'presign'], calls);
  const factories = [
    { kind: 'record', name: 'spy-records', optionsSchema: anyOptions, create: () => records } as AdapterFactory,
    { kind: 'blob', name: 'spy-blobs', optionsSchema: anyOptions, create: () => blobs as BlobStore } as AdapterFactory,
  ];
  return { calls, factories, records };
}
