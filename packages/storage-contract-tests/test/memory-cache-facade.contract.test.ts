import { describe, it } from 'vitest';
import { cacheStoreContract, facadeGoldenSuite } from '../src/index.js';
import { createMapCache } from './support/map-cache.js';

cacheStoreContract({ runner: { describe, it }, create: () => createMapCache(), capabilities: { shared: false } });

// Every store defaulted: core's memory record, blob and stream stores under the Map cache.
facadeGoldenSuite({ runner: { describe, it }, cache: () => createMapCache() });
