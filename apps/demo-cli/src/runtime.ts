import { createStorageClient, type AdapterFactory, type StorageClient, type StorageRuntime } from '@sanctum/storage-core';
import { memoryCache } from '@sanctum/storage-cache-memory';
import { redisCache } from '@sanctum/storage-cache-redis';
import { postgresRecords } from '@sanctum/storage-postgres';
import { s3Blobs } from '@sanctum/storage-s3';
import { kafkaStreams } from '@sanctum/storage-stream/kafka';
import { redisStreams } from '@sanctum/storage-stream/redis';
import { CliError, EXIT } from './exit-codes.js';
import type { LoadedConfig } from './config/load.js';

/** Every adapter and cache this CLI ships: a config may `use` any of them. */
export function allFactories(): AdapterFactory[] {
  return [postgresRecords(), s3Blobs(), redisStreams(), kafkaStreams(), memoryCache(), redisCache()] as AdapterFactory[];
}

/** A client over the loaded config with every shipped adapter available. */
export function clientFor(config: LoadedConfig, runtime: Omit<StorageRuntime, 'adapters'> = {}): StorageClient {
  return createStorageClient(config.input, { ...runtime, adapters: allFactories() });
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
