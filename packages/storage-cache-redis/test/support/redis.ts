import { randomUUID } from 'node:crypto';
import { resolveService } from '@sanctum/test-services';
import { createRedisCacheStore, type RedisCacheOptionsInput, type RedisCacheStore } from '../../src/index.js';

/** The rig's Redis URL (shared with other suites: every test uses its own key prefix). */
export const { url: redisUrl } = await resolveService('redis');

/** A fresh key prefix, so tests never see each other's keys or invalidations. */
export function uniquePrefix(label = 't'): string {
  return `test:cache-redis:${label}:${randomUUID()}:`;
}

/** An unopened cache on the rig's Redis under a fresh prefix (or the one given). */
export function rigCache(options: Partial<RedisCacheOptionsInput> = {}): RedisCacheStore {
  return createRedisCacheStore({ url: redisUrl, keyPrefix: uniquePrefix(), commandTimeoutMs: 2_000, ...options });
}
