// @sanctum/storage-core/testing: internals the contract kit's facade suites need to set up their
// cases (a cache entry planted under the key the cache layer reads, the read-your-writes budget).
// Not for applications: no semver promise beyond "the kit of the same release works" (ADR-006).
export { cacheKey } from './layers/cache/cache-key.js';
export { READ_YOUR_WRITES_DEADLINE_MS } from './layers/cache/record-cache.js';
