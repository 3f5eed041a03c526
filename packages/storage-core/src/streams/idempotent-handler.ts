import { isStorageError, StorageError } from '../errors/index.js';
import { IDEMPOTENCY_KEY_HEADER } from '../layers/resilience/policy.js';
import type { CacheStore } from '../spi/index.js';
import type { RecordCollection, RecordTransaction, RecordTransactionCollection } from '../client/types.js';
import type { JsonValue } from '../types/index.js';

/**
 * An atomic claim of a message id in a store that several processes share (ADR-023). `claim` must be
 * a conditional create (PostgreSQL INSERT … ON CONFLICT DO NOTHING, Redis SET NX PX): of all callers
 * racing for one key, exactly one gets `true`.
 */
export interface IdempotencyClaims {
  /** Claims `key` for `leaseMs` (the handler runs); `false` when it is already claimed or done. */
  claim(key: string, leaseMs: number): Promise<boolean>;
  /** The handler resolved: remember `key` as done for `ttlMs`. */
  complete(key: string, ttlMs: number): Promise<void>;
  /** The handler failed: free `key` for the redelivery. */
  release(key: string): Promise<void>;
}

/** Options of {@link idempotentHandler}. */
export interface IdempotentHandlerOptions {
  /** How long a handled id is remembered. @default 86_400_000 (one day) */
  readonly ttlMs?: number;
  /**
   * A shared, atomic claim store: one id's handler runs once across processes. Make one over a record
   * namespace with {@link recordClaims}, or implement {@link IdempotencyClaims} over Redis SET NX.
   */
  readonly claims?: IdempotencyClaims;
  /** How long a claim holds while its handler runs (a crashed holder frees it then). @default 60_000 */
  readonly leaseMs?: number;
  /**
   * An in-process cache store remembering handled ids (no `claims`). A shared cache store
   * (capabilities.shared) is refused: a read-then-write on it cannot claim atomically; use `claims`.
   */
  readonly store?: CacheStore;
  /** Bound of the in-process memory. @default 100_000 */
  readonly maxEntries?: number;
  /** Dedupe key of a message. @default the `idempotency-key` header when present (outbox messages), else the message id */
  readonly keyOf?: (message: { readonly id: string }) => string;
  /** Clock in epoch ms. @default Date.now */
  readonly now?: () => number;
}

function defaultKeyOf(message: { readonly id: string; readonly headers?: Readonly<Record<string, string>> }): string {
  return message.headers?.[IDEMPOTENCY_KEY_HEADER] ?? message.id;
}

function invalid(field: string, message: string): StorageError {
  return new StorageError('INVALID_ARGUMENT', message, { operation: 'streams.idempotentHandler', details: { field } });
}

/**
 * Wraps an at-least-once handler so each message id is handled once while remembered. With `claims`
 * the id is claimed atomically before the handler runs, so two processes never both run it; an id
 * counts as done only after the handler resolved, a failure frees it for the redelivery. Within one
 * process a duplicate arriving while the first copy runs waits for that outcome.
 *
 * A duplicate whose id another process holds is skipped (acked): the holder's own copy stays
 * unacked until its handler resolved, so the effect still happens at least once.
 */
export function idempotentHandler<M extends { readonly id: string }>(
  handler: (message: M) => Promise<void>,
  options: IdempotentHandlerOptions = {},
): (message: M) => Promise<void> {
  const ttlMs = options.ttlMs ?? 86_400_000;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 100_000;
  const keyOf = options.keyOf ?? defaultKeyOf;
  const now = options.now ?? Date.now;
  const { store, claims } = options;
  if (store !== undefined && claims !== undefined) throw invalid('store', 'give either claims (shared, atomic) or store (in-process), not both');
  if (store?.capabilities.shared === true) {
    throw invalid('store', `cache store "${store.name}" is shared between processes, where a read-then-write cannot claim an id atomically; pass claims: recordClaims(client.records(...)) or another IdempotencyClaims`);
  }
  const handled = new Map<string, number>();
  const running = new Map<string, Promise<void>>();

  async function seen(key: string): Promise<boolean> {
    if (store !== undefined) return (await store.get(`idempotent\u0000${key}`)) !== undefined;
    const until = handled.get(key);
    if (until === undefined) return false;
    if (until > now()) return true;
    handled.delete(key);
    return false;
  }

  async function remember(key: string): Promise<void> {
    if (store !== undefined) {
      await store.set(`idempotent\u0000${key}`, { value: true, version: 1, etag: key, storedAt: now() }, ttlMs);
      return;
    }
    handled.set(key, now() + ttlMs);
    if (handled.size > maxEntries) handled.delete(handled.keys().next().value!);
  }

  async function claimed(key: string, message: M): Promise<void> {
    if (!(await claims!.claim(key, leaseMs))) return;
    try {
      await handler(message);
    } catch (error) {
      await claims!.release(key).catch(() => undefined);
      throw error;
    }
    await claims!.complete(key, ttlMs);
  }

  return (message) => {
    const key = keyOf(message);
    const inFlight = running.get(key);
    if (inFlight !== undefined) return inFlight;
    // Registered before the first await, so a concurrent duplicate always finds it.
    const run = (
      claims !== undefined
        ? claimed(key, message)
        : (async () => {
            if (await seen(key)) return;
            await handler(message);
            await remember(key);
          })()
    ).finally(() => running.delete(key));
    running.set(key, run);
    return run;
  };
}

/** What a claim row holds. */
type ClaimValue = { readonly state: 'running' | 'done'; readonly at: number };

/**
 * {@link IdempotencyClaims} over a record namespace (e.g. on PostgreSQL): a claim is a create-only
 * put (`ifNoneMatch: '*'`, one atomic INSERT … ON CONFLICT DO NOTHING) with a TTL of the lease; done
 * rewrites it with the remembering TTL. Needs the adapter's `ttl` capability.
 */
export function recordClaims(records: RecordCollection<JsonValue>, options: { readonly prefix?: string } = {}): IdempotencyClaims {
  const prefix = options.prefix ?? '';
  const etags = new Map<string, string>();
  return {
    async claim(key, leaseMs) {
      try {
        const { etag } = await records.put(prefix + key, { state: 'running', at: Date.now() } satisfies ClaimValue, { ifNoneMatch: '*', ttlMs: leaseMs });
        etags.set(key, etag);
        return true;
      } catch (error) {
        if (isStorageError(error, 'ALREADY_EXISTS')) return false;
        throw error;
      }
    },
    async complete(key, ttlMs) {
      const etag = etags.get(key);
      etags.delete(key);
      await records.put(prefix + key, { state: 'done', at: Date.now() } satisfies ClaimValue, { ttlMs, ...(etag === undefined ? {} : { ifMatch: etag }) });
    },
    async release(key) {
      const etag = etags.get(key);
      etags.delete(key);
      await records.delete(prefix + key, etag === undefined ? {} : { ifMatch: etag });
    },
  };
}

/** Options of {@link idempotentTransaction}. */
export interface IdempotentTransactionOptions {
  /** How long a handled id is remembered (the claim record's TTL). @default 86_400_000 (one day) */
  readonly ttlMs?: number;
  /** Prefix of the claim records' keys. @default '' */
  readonly prefix?: string;
  /** Dedupe key of a message. @default the `idempotency-key` header when present, else the message id */
  readonly keyOf?: (message: { readonly id: string }) => string;
}

/**
 * Exactly-once effects for handlers that write records: the id's claim (a create-only put in
 * `claims`' namespace) and the handler's writes (through `tx`) commit in ONE transaction. A
 * duplicate finds the claim and does nothing; a crash before commit leaves neither, and the
 * redelivery runs the handler again. Across processes, a racing duplicate waits on the first one's
 * uncommitted claim row and then sees ALREADY_EXISTS.
 */
export function idempotentTransaction<M extends { readonly id: string }>(
  claims: RecordCollection<JsonValue>,
  handler: (message: M, tx: RecordTransactionCollection<JsonValue> & RecordTransaction) => Promise<void>,
  options: IdempotentTransactionOptions = {},
): (message: M) => Promise<void> {
  if (typeof claims?.transaction !== 'function') throw invalid('claims', 'claims must be a record collection (client.records(namespace))');
  const ttlMs = options.ttlMs ?? 86_400_000;
  const prefix = options.prefix ?? '';
  const keyOf = options.keyOf ?? defaultKeyOf;
  return async (message) => {
    const key = prefix + keyOf(message);
    await claims.transaction(async (tx) => {
      try {
        await tx.put(key, { state: 'done', at: Date.now() } satisfies ClaimValue, { ifNoneMatch: '*', ttlMs });
      } catch (error) {
        if (isStorageError(error, 'ALREADY_EXISTS')) return;
        throw error;
      }
      await handler(message, tx);
    });
  };
}
