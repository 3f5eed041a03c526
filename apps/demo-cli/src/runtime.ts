import { createStorageClient, type AdapterFactory, type StorageClient, type StorageRuntime } from '@sanctum/storage-core';
import { CliError, EXIT } from './exit-codes.js';
import type { LoadedConfig } from './config/load.js';

type Section = 'adapters' | 'caches';

/**
 * Every adapter and cache this CLI ships, by the `use` name a config gives it. Loaded on demand, so
 * a command pays only for the drivers its config uses (kafkajs, minio, … are not small).
 */
const LOADERS: Readonly<Record<Section, Readonly<Record<string, () => Promise<AdapterFactory>>>>> = {
  adapters: {
    postgres: async () => (await import('@sanctum/storage-postgres')).postgresRecords() as AdapterFactory,
    s3: async () => (await import('@sanctum/storage-s3')).s3Blobs() as AdapterFactory,
    'redis-streams': async () => (await import('@sanctum/storage-stream/redis')).redisStreams() as AdapterFactory,
    kafka: async () => (await import('@sanctum/storage-stream/kafka')).kafkaStreams() as AdapterFactory,
  },
  caches: {
    memory: async () => (await import('@sanctum/storage-cache-memory')).memoryCache() as AdapterFactory,
    redis: async () => (await import('@sanctum/storage-cache-redis')).redisCache() as AdapterFactory,
  },
};

/** The `use` names this CLI can build, per config section. */
export function installedNames(section: Section): string[] {
  return Object.keys(LOADERS[section]);
}

/** Every adapter and cache factory this CLI ships. */
export async function allFactories(): Promise<Array<{ section: Section; factory: AdapterFactory }>> {
  const out: Array<{ section: Section; factory: AdapterFactory }> = [];
  for (const section of ['adapters', 'caches'] as const) {
    for (const load of Object.values(LOADERS[section])) out.push({ section, factory: await load() });
  }
  return out;
}

/** The factories the config's `use` names need (unknown names are left to core to report). */
export async function factoriesFor(config: LoadedConfig): Promise<AdapterFactory[]> {
  const wanted = new Set<() => Promise<AdapterFactory>>();
  for (const section of ['adapters', 'caches'] as const) {
    for (const entry of Object.values(config.input[section] ?? {})) {
      const load = LOADERS[section][(entry as { use: string }).use];
      if (load !== undefined) wanted.add(load);
    }
  }
  return Promise.all([...wanted].map((load) => load()));
}

/** A client over the loaded config with the adapters it uses. */
export async function clientFor(config: LoadedConfig, runtime: Omit<StorageRuntime, 'adapters'> = {}): Promise<StorageClient> {
  return createStorageClient(config.input, { ...runtime, adapters: await factoriesFor(config) });
}

/** The namespace's config, or a usage error naming the namespaces of that kind the file defines. */
export function namespaceOf(config: LoadedConfig, namespace: string, kind: 'record' | 'blob' | 'stream'): { adapter?: string | undefined } {
  const ns = config.parsed.namespaces[namespace];
  if (ns === undefined || ns.kind !== kind) {
    const known = Object.entries(config.parsed.namespaces)
      .filter(([, n]) => n.kind === kind)
      .map(([name]) => name);
    throw new CliError(
      `no ${kind} namespace "${namespace}" in ${config.file} (${kind} namespaces: ${known.length > 0 ? known.join(', ') : 'none'})`,
      EXIT.USAGE,
    );
  }
  return ns as { adapter?: string | undefined };
}
