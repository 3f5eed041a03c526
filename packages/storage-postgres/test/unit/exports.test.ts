import { describe, expect, it } from 'vitest';
import * as entry from '../../src/index.js';

// Pins the runtime export list (ADR-006): internals such as error tables, option schemas and
// driver-error mappers stay unexported. Changing this list is a public-API decision.
describe('@sanctum/storage-postgres exports', () => {
  it('exports exactly the factory, the direct constructor and the documented extras', () => {
    expect(Object.keys(entry).sort()).toEqual(["createPostgresRecordStore", "migrateUp", "migrationStatus", "postgres", "postgresRecords", "setWormPolicy", "wormPolicy"]);
  });
});
