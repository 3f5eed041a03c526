import { parseOptions } from '@sanctum/storage-core/spi';
import { z } from 'zod';

// Unquoted-identifier rules, so names need no quoting in psql either; 48 leaves room for the
// suffixes of derived objects (`<table>_migrations`, `<table>_put_many_fail`) within 63 bytes.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;
const identifier = z.string().regex(IDENTIFIER, 'use 1-48 lower-case letters, digits or "_", starting with a letter or "_"');
const milliseconds = z.number().int().nonnegative();

const tls = z
  .object({
    /** PEM CA bundle that signs the server certificate. */
    ca: z.string().optional(),
    /** PEM client certificate (mutual TLS). */
    cert: z.string().optional(),
    /** PEM client private key (mutual TLS). A secret: never logged. */
    key: z.string().optional(),
    /** Verify the server certificate. @default true */
    rejectUnauthorized: z.boolean().optional(),
    /** Server name for SNI and certificate checks. @default the host */
    servername: z.string().optional(),
  })
  .strict();

/** Validates and defaults the options of the PostgreSQL record store. */
export const postgresOptionsSchema = z
  .object({
    /**
     * Connection URL, `postgres://user:password@host:port/database`. Give either this or the
     * separate fields below. A secret when it holds a password: never logged or put in errors.
     */
    url: z.string().optional(),
    /** Server host name or address (when no `url`). */
    host: z.string().min(1).optional(),
    /** Server port (when no `url`). @default 5432 */
    port: z.number().int().min(1).max(65_535).optional(),
    /** Role to connect as (when no `url`). */
    user: z.string().min(1).optional(),
    /** Password of `user`. A secret: never logged or put in errors. @default none */
    password: z.string().optional(),
    /** Database name (when no `url`). @default `user` */
    database: z.string().min(1).optional(),
    /**
     * TLS: `false` (plain TCP), `'prefer'`, `'require'` (encrypt, do not verify), `'verify-full'`
     * (encrypt and verify against the system CAs or `ca`), or node `tls` options; `true` is
     * `'verify-full'`. With a `url`, its `sslmode` query parameter is used when this is absent.
     * @default false
     */
    ssl: z.union([z.boolean(), z.enum(['disable', 'prefer', 'require', 'verify-full']), tls]).optional(),
    /** Connections in the pool. @default 10 */
    poolSize: z.number().int().min(1).max(1_000).default(10),
    /**
     * Statements in flight per connection when every connection is busy (pipelining); callers
     * beyond `poolSize × pipelineDepth` wait in FIFO order. Higher saves a network write and a
     * wake-up per statement under load; no statement is pipelined behind one running for more
     * than 50 ms. 1 = exactly one statement per connection. @default 4
     */
    pipelineDepth: z.number().int().min(1).max(16).default(4),
    /** Server-side `statement_timeout` of every statement; 0 disables it. @default 30_000 */
    statementTimeoutMs: milliseconds.default(30_000),
    /** How long opening a connection may take. @default 10_000 */
    connectTimeoutMs: z.number().int().positive().default(10_000),
    /** Close connections idle this long; 0 keeps them open. @default 0 */
    idleTimeoutMs: milliseconds.default(0),
    /** How long `close()` lets in-flight queries finish before cutting connections. @default 5_000 */
    closeTimeoutMs: milliseconds.default(5_000),
    /** Schema that holds the records table and its migration history. @default 'sanctum' */
    schema: identifier.default('sanctum'),
    /** The records table; all namespaces share it, keyed by (namespace, key). @default 'records' */
    table: identifier.default('records'),
    /**
     * `'manual'`: `open()` only checks that the schema is current and fails with UNAVAILABLE if not
     * (run `migrateUp()` from a deploy step). `'on-start'`: `open()` applies pending migrations
     * under an advisory lock. Migrations never run unless asked. @default 'manual'
     */
    migrate: z.enum(['manual', 'on-start']).default('manual'),
    /**
     * Isolation level of `transaction()`. `'serializable'` gives the memory store's semantics;
     * conflicts then fail with CONSISTENCY (retryable) and the work should be run again.
     * @default 'read committed'
     */
    isolation: z.enum(['read committed', 'repeatable read', 'serializable']).default('read committed'),
    /**
     * Run `sweepExpired()` this often while the store is open; 0 leaves expired rows to lazy
     * expiry (invisible to reads, overwritten by writes) and to sweeps you schedule. @default 0
     */
    sweepIntervalMs: milliseconds.default(0),
    /** `application_name` shown in `pg_stat_activity`. @default 'sanctum-storage' */
    applicationName: z.string().max(63).default('sanctum-storage'),
  })
  .strict()
  .superRefine((options, context) => {
    const fields = (['host', 'port', 'user', 'password', 'database'] as const).filter((name) => options[name] !== undefined);
    if (options.url !== undefined) {
      if (fields.length > 0) {
        context.addIssue({ code: 'custom', path: [fields[0]!], message: 'give either url or host/port/user/password/database, not both' });
      }
      if (!isPostgresUrl(options.url)) {
        // Never echo the URL: it may hold a password.
        context.addIssue({ code: 'custom', path: ['url'], message: 'url must be a postgres:// or postgresql:// URL with a host' });
      }
      return;
    }
    if (options.host === undefined) context.addIssue({ code: 'custom', path: ['host'], message: 'give url, or host and user' });
    if (options.user === undefined) context.addIssue({ code: 'custom', path: ['user'], message: 'give url, or host and user' });
  });

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Options of the PostgreSQL record store, as written in config or code. */
export type PostgresRecordStoreOptions = z.input<typeof postgresOptionsSchema>;
/** Options after validation, with every default filled. */
export type ResolvedPostgresOptions = z.output<typeof postgresOptionsSchema>;

/**
 * Validates `input` and fills defaults; CONFIG_INVALID listing every problem otherwise (the shared
 * SPI rule: `details.issues` is `{ path, message }[]`). Messages name paths and rules, never
 * values (a URL or password must not reach a log).
 */
export function resolveOptions(input: unknown): ResolvedPostgresOptions {
  return parseOptions(postgresOptionsSchema, input, { adapter: 'postgres' });
}
