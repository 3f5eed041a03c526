import type { ConfigIssue, StorageConfig } from '../config/index.js';
import type { AdapterFactory, AnyStore } from '../spi/index.js';
import { configInvalid, toOptionsIssues } from '../spi/helpers/config-issues.js';
import type { StoreKind } from '../types/index.js';
import type { Logger } from '../observability/logger.js';
import { memoryBlobs, memoryRecords, memoryStreams } from '../memory/index.js';
import { Lifecycle, STORE_METHODS, openOnUse } from './lifecycle.js';

/** One created adapter instance of one kind. */
export interface AdapterInstance<S extends AnyStore = AnyStore> {
  readonly name: string;
  readonly lifecycle: Lifecycle;
  /** The span attribute `db.system`: the factory's `dbSystem`, else its name. */
  readonly dbSystem: string;
  /** The store with open-on-use applied: what layers wrap. */
  readonly store: S;
}

/** The embedded defaults, made on demand so importing core has no side effects. */
const BUILT_IN: Readonly<Partial<Record<StoreKind, () => AdapterFactory>>> = {
  record: memoryRecords as () => AdapterFactory,
  blob: memoryBlobs as () => AdapterFactory,
  stream: memoryStreams as () => AdapterFactory,
};

function findFactory(factories: readonly AdapterFactory[], kind: StoreKind, use: string): AdapterFactory | undefined {
  const given = factories.find((f) => f.kind === kind && f.name === use);
  if (given !== undefined || use !== 'memory') return given;
  return BUILT_IN[kind]?.();
}
/** The instance name of the embedded default, used by namespaces without `adapter`. */
export const EMBEDDED_INSTANCE = 'memory';

function describeFactories(factories: readonly AdapterFactory[], kind: StoreKind): string {
  const names = new Set(factories.filter((f) => f.kind === kind).map((f) => f.name));
  if (BUILT_IN[kind] !== undefined) names.add('memory');
  return names.size > 0 ? [...names].join(', ') : 'none';
}

/** The validated options, or `undefined` when invalid (the problems are pushed to `issues`). */
function validateOptions(factory: AdapterFactory, options: unknown, path: string, issues: ConfigIssue[]): { value: unknown } | undefined {
  const result = factory.optionsSchema['~standard'].validate(options ?? {});
  if (result instanceof Promise) {
    issues.push({ path, message: `adapter "${factory.name}" has an asynchronous options schema, which core cannot run at client creation` });
    return undefined;
  }
  if (result.issues !== undefined) {
    issues.push(...toOptionsIssues(result.issues, path));
    return undefined;
  }
  return { value: result.value };
}

/**
 * Creates every adapter instance the config needs, one per (config entry, kind), without any I/O.
 * All option problems of all adapters are reported together as one CONFIG_INVALID.
 */
export function createAdapterInstances(
  config: StorageConfig,
  factories: readonly AdapterFactory[],
  logger: Logger,
): Map<string, AdapterInstance> {
  const wanted = new Map<string, { section: 'adapters' | 'caches'; name: string; kind: StoreKind }>();
  for (const ns of Object.values(config.namespaces)) {
    const name = ns.adapter ?? EMBEDDED_INSTANCE;
    wanted.set(`${ns.kind}:${name}`, { section: 'adapters', name, kind: ns.kind });
    if (ns.kind === 'record' && ns.cache !== undefined) {
      wanted.set(`cache:${ns.cache}`, { section: 'caches', name: ns.cache, kind: 'cache' });
    }
  }
  const issues: ConfigIssue[] = [];
  const instances = new Map<string, AdapterInstance>();
  for (const [id, { section, name, kind }] of wanted) {
    const entry = name === EMBEDDED_INSTANCE && !(name in config[section]) ? { use: 'memory', options: {} } : config[section][name];
    if (entry === undefined) continue; // reported by parseConfig already
    const path = `${section}.${name}`;
    const factory = findFactory(factories, kind, entry.use);
    if (factory === undefined) {
      issues.push({
        path: `${path}.use`,
        message: `no ${kind} adapter named "${entry.use}" was given in runtime.adapters (available for ${kind}: ${describeFactories(factories, kind)})`,
      });
      continue;
    }
    const options = validateOptions(factory, entry.options, `${path}.options`, issues);
    if (options === undefined) continue;
    let store: AnyStore;
    try {
      store = factory.create(options.value, { instanceName: name, logger });
    } catch (cause) {
      issues.push({ path, message: `adapter "${entry.use}" could not be created: ${cause instanceof Error ? cause.message : String(cause)}` });
      continue;
    }
    const lifecycle = new Lifecycle(name, store);
    instances.set(id, { name, lifecycle, dbSystem: factory.dbSystem ?? factory.name, store: openOnUse(store, lifecycle, STORE_METHODS[kind]) });
  }
  if (issues.length > 0) throw configInvalid('adapter configuration', issues);
  return instances;
}
