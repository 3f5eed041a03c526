import { readFile } from 'node:fs/promises';
import type { StorageConfigInput } from '@sanctum/storage-core';

/** The embedded default: every namespace on core's in-memory stores, an in-process cache. No servers. */
export const EMBEDDED_CONFIG: StorageConfigInput = {
  schemaVersion: 1,
  caches: { hot: { use: 'memory', options: { maxEntries: 10_000, ttlMs: 30_000 } } },
  namespaces: {
    profiles: { kind: 'record', cache: 'hot', consistency: 'strong', cacheTtlMs: 30_000 },
    avatars: { kind: 'blob', checksum: 'sha256' },
    activity: { kind: 'stream', maxInFlight: 64, maxDeliveries: 5 },
  },
};

/**
 * Reads a JSON config whose secrets are `{ "$env": "NAME", "type"?: "number"|"boolean"|"list" }`
 * references, resolved from the environment (the same convention as the sanctum-storage CLI).
 */
export async function loadConfig(file: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<StorageConfigInput> {
  const missing: string[] = [];
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== 'object' || value === null) return value;
    const obj = value as Record<string, unknown>;
    if (typeof obj['$env'] === 'string') {
      const raw = env[obj['$env']];
      if (raw === undefined || raw === '') {
        missing.push(obj['$env']);
        return undefined;
      }
      if (obj['type'] === 'number') return Number(raw);
      if (obj['type'] === 'boolean') return /^(true|1|yes)$/i.test(raw);
      if (obj['type'] === 'list') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      return raw;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, walk(v)]));
  };
  const resolved = walk(JSON.parse(await readFile(file, 'utf8')));
  if (missing.length > 0) throw new Error(`${file}: environment variables not set: ${missing.join(', ')}`);
  return resolved as StorageConfigInput;
}
