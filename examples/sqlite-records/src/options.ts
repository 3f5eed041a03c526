import { z } from 'zod';
import { StorageError } from './spi.js';

/**
 * Options of the SQLite record store, validated by core (through `optionsSchema`) when the store is
 * configured with `use: 'sqlite'`, and by `createSqliteRecordStore` when it is built directly.
 */
export const sqliteRecordOptionsSchema = z
  .object({
    /** Path of the database file; created when missing. `:memory:` is refused: transactions need a second connection to the same data. */
    filename: z
      .string()
      .min(1)
      .refine((name) => name !== ':memory:', { message: 'use a file: transactions open a second connection to the same database' }),
    /** Table that holds every namespace's records. @default `sanctum_records` */
    table: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a plain SQL identifier: letters, digits, underscores')
      .default('sanctum_records'),
    /** How long a write waits for another connection's write lock before UNAVAILABLE. @default 5000 */
    busyTimeoutMs: z.number().int().min(0).max(60_000).default(5_000),
  })
  .strict();

/** What callers pass. */
export type SqliteRecordStoreOptions = z.input<typeof sqliteRecordOptionsSchema>;
/** Options with defaults filled in. */
export type ResolvedSqliteRecordOptions = z.output<typeof sqliteRecordOptionsSchema>;

/** Validates options for direct construction; every problem at once, as CONFIG_INVALID. */
export function resolveOptions(input: unknown): ResolvedSqliteRecordOptions {
  const result = sqliteRecordOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  const lines = issues.map((issue) => `  - ${issue.path || '(options)'}: ${issue.message}`).join('\n');
  throw new StorageError('CONFIG_INVALID', `Invalid sqlite adapter options (${String(issues.length)} problem(s)):\n${lines}`, {
    adapter: 'sqlite',
    details: { issues },
  });
}
