import type { AdapterFactory, StandardSchemaV1 } from '@sanctum/storage-core';
import type { AnyStore } from '@sanctum/storage-core/spi';

/** A Standard Schema that accepts any options unchanged. */
export const ANY_OPTIONS: StandardSchemaV1<unknown, unknown> = {
  '~standard': { version: 1, vendor: 'sanctum-contract-tests', validate: (value) => ({ value }) },
};

/** An adapter factory that hands the facade one already-created store (the one under test). */
export function fixedFactory<S extends AnyStore>(kind: S['kind'], name: string, store: S): AdapterFactory {
  return { kind, name, optionsSchema: ANY_OPTIONS, create: () => store };
}
