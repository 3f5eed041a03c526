import type { Readable } from 'node:stream';
import type { Tracer } from '@opentelemetry/api';
import type { Consistency, HealthReport, JsonShaped, JsonValue, OperationOptions, Page, StandardSchemaV1 } from '../types/index.js';
import type {
  AdapterFactory,
  BlobAcl,
  BlobMeta,
  BlobWriteResult,
  ByteRange,
  RecordWriteResult,
  StartPosition,
  Subscription,
} from '../spi/index.js';
import type { Logger } from '../observability/logger.js';
import type { SlottedLayer } from '../layers/pipeline.js';
import type { StorageMetrics } from '../observability/metrics.js';
import type { ChaosControl } from '../layers/chaos/chaos-control.js';
import type { AccessPolicy } from '../security/policy.js';
import type { AuditEvent, AuditSink } from '../spi/audit.js';
import type { Principal } from '../types/index.js';

/** The code half of access control, audit and redaction (docs/security.md). */
export interface SecurityRuntime {
  /**
   * The policy hook. @default the rule policy built from `security.acl.rules` when the config has
   * an `acl` section; otherwise no access checks at all
   */
  readonly policy?: AccessPolicy;
  /** Sinks every audit event goes to (besides the record namespace `security.audit.namespace`). */
  readonly auditSinks?: readonly AuditSink[];
  /** HMAC key of the redaction hashes (at least 16 bytes). @default 32 random bytes per client */
  readonly redactionKey?: string | Uint8Array;
  /** Texts that must never appear in logs, spans, errors or audit events (passwords, tokens). */
  readonly secrets?: readonly string[];
}
import type { KeyProvider } from '../crypto/key-provider.js';
import type { RotateKeysOptions, RotationReport } from '../layers/encryption/rotate.js';
import type { EraseReport, EraseSubjectOptions } from '../layers/encryption/erase.js';
import type { OutboxTopic } from '../outbox/transaction-topic.js';
import type { Outbox } from '../outbox/outbox-handle.js';

/** The code half of a client: everything that is not plain data. */
export interface StorageRuntime {
  /** Adapter and cache factories available to `use` in the config. Memory record/blob/stream stores are built in. */
  readonly adapters?: readonly AdapterFactory[];
  /** @default no-op */
  readonly logger?: Logger;
  /** @default no-op */
  readonly metrics?: StorageMetrics;
  /** @default the global OpenTelemetry tracer provider's `@sanctum/storage` tracer (no-op unless an SDK is registered) */
  readonly tracer?: Tracer;
  /** Clock in epoch milliseconds, for tests. @default Date.now */
  readonly now?: () => number;
  /** Fault injection for game days (docs/resilience.md); no chaos layer at all when absent. */
  readonly chaos?: ChaosControl;
  /**
   * Holds the key-encryption keys of encrypted namespaces (`localKeyring({ keys })` or a KMS-style
   * provider). Required when any namespace has `encryption`; key material never goes in the config.
   */
  readonly keys?: KeyProvider;
  /**
   * Your own layers (made with `defineLayer`). Each runs in the slot it names, just inside the
   * built-in layer of that slot; see docs/architecture.md for the slots and what each sees.
   */
  readonly layers?: readonly SlottedLayer[];
  /** Access policy, audit sinks and the redaction key (docs/security.md). */
  readonly security?: SecurityRuntime;
}

/** Read options of the facade. */
export interface ReadOptions extends OperationOptions {
  /** @default the namespace's `consistency` */
  readonly consistency?: Consistency;
  /** Skip the cache read and refill it from the store; heals a poisoned entry. */
  readonly bypassCache?: boolean;
}

/** A record as the facade returns it. */
export interface StoredRecord<T> {
  readonly key: string;
  readonly value: T;
  readonly version: number;
  readonly etag: string;
  readonly expiresAt?: number;
}

export interface RecordPutOptions extends OperationOptions {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: '*';
  readonly ttlMs?: number;
}

export interface RecordDeleteOptions extends OperationOptions {
  readonly ifMatch?: string;
}

export interface ListOptions extends OperationOptions {
  readonly prefix?: string;
  readonly cursor?: string;
  /** @default 100 */
  readonly limit?: number;
}

/** The operations of one record namespace available inside a transaction. */
export interface RecordTransactionCollection<T = JsonValue> {
  get(key: string): Promise<StoredRecord<T>>;
  find(key: string): Promise<StoredRecord<T> | undefined>;
  put(key: string, value: T, options?: RecordPutOptions): Promise<RecordWriteResult>;
  delete(key: string, options?: RecordDeleteOptions): Promise<boolean>;
}

/** The handle a transaction callback receives. */
export interface RecordTransaction {
  /** Another namespace on the same adapter instance, inside the same transaction. */
  records<U extends JsonShaped<U> = JsonValue>(namespace: string): RecordTransactionCollection<U>;
  /** Another namespace, its writes checked by `schema` (see {@link RecordCollectionOptions}). */
  records<S extends StandardSchemaV1>(namespace: string, options: RecordCollectionOptions<S>): RecordTransactionCollection<StandardSchemaV1.InferOutput<S>>;
  /**
   * A stream namespace whose publishes commit with this transaction (transactional outbox, ADR-022).
   * Needs a record adapter with the `outbox` capability (postgres), else UNSUPPORTED on publish.
   */
  streams<U extends JsonShaped<U> = JsonValue>(namespace: string): OutboxTopic<U>;
}

/** Options of `client.records(namespace, options)`. */
export interface RecordCollectionOptions<S extends StandardSchemaV1 = StandardSchemaV1> {
  /**
   * A Standard Schema (zod, valibot, arktype, …) every written value must pass; the schema's
   * output (defaults, transforms) is what gets stored. Failures are INVALID_ARGUMENT with
   * `details.issues` as `{ path, message }[]`. Reads are not re-checked.
   */
  readonly schema: S;
}

/** `client.records(ns)`: typed JSON records with versions and ETags. */
export interface RecordCollection<T = JsonValue> {
  readonly namespace: string;
  /** Throws NOT_FOUND when absent. */
  get(key: string, options?: ReadOptions): Promise<StoredRecord<T>>;
  /** `undefined` when absent. */
  find(key: string, options?: ReadOptions): Promise<StoredRecord<T> | undefined>;
  put(key: string, value: T, options?: RecordPutOptions): Promise<RecordWriteResult>;
  /** `false` when there was nothing to delete. */
  delete(key: string, options?: RecordDeleteOptions): Promise<boolean>;
  list(options?: ListOptions): Promise<Page<StoredRecord<T>>>;
  /** Iterates every record (page by page) in key order. */
  scan(options?: Omit<ListOptions, 'cursor'>): AsyncIterable<StoredRecord<T>>;
  /** Needs the adapter's `bulk` capability, else UNSUPPORTED. */
  getMany(keys: readonly string[], options?: OperationOptions): Promise<Array<StoredRecord<T> | undefined>>;
  putMany(
    entries: ReadonlyArray<{ readonly key: string; readonly value: T } & Omit<RecordPutOptions, keyof OperationOptions>>,
    options?: OperationOptions,
  ): Promise<RecordWriteResult[]>;
  deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number>;
  /** Needs the adapter's `transactions` capability, else UNSUPPORTED. */
  transaction<R>(work: (tx: RecordTransactionCollection<T> & RecordTransaction) => Promise<R>): Promise<R>;
}

export interface BlobPutOptions extends OperationOptions {
  readonly contentType?: string;
  readonly contentLength?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: '*';
  /** @default the namespace's `acl` */
  readonly acl?: BlobAcl;
}

export interface BlobGetOptions extends OperationOptions {
  readonly range?: ByteRange;
  readonly ifMatch?: string;
}

export interface BlobListOptions extends ListOptions {
  readonly delimiter?: string;
}

/** A blob being read; `body` verifies the checksum as it ends (full reads of checksummed namespaces). */
export interface BlobDownload {
  readonly meta: BlobMeta;
  readonly body: Readable;
  readonly range?: { readonly start: number; readonly end: number };
}

/** `client.blobs(ns)`: objects with streaming bodies. */
export interface BlobCollection {
  readonly namespace: string;
  put(key: string, body: Readable | Uint8Array | string, options?: BlobPutOptions): Promise<BlobWriteResult>;
  /** Throws NOT_FOUND when absent. A corrupted body errors with CHECKSUM_MISMATCH when read to its end. */
  get(key: string, options?: BlobGetOptions): Promise<BlobDownload>;
  /** Reads the whole object into memory (verified). */
  getBytes(key: string, options?: BlobGetOptions): Promise<Buffer>;
  /** Throws NOT_FOUND when absent. */
  head(key: string, options?: OperationOptions): Promise<BlobMeta>;
  exists(key: string, options?: OperationOptions): Promise<boolean>;
  delete(key: string, options?: RecordDeleteOptions): Promise<boolean>;
  list(options?: BlobListOptions): Promise<Page<BlobMeta> & { readonly prefixes: readonly string[] }>;
  /** Needs the adapter's `presign` capability, else UNSUPPORTED. */
  presign(key: string, options: { readonly method: 'GET' | 'PUT'; readonly expiresInSeconds: number; readonly principal?: Principal; readonly correlationId?: string }): Promise<string>;
}

/** A message as a facade handler receives it, payload decoded from JSON. */
export interface Message<T> {
  readonly id: string;
  readonly key?: string;
  readonly payload: T;
  readonly headers: Readonly<Record<string, string>>;
  readonly publishedAt: Date;
  readonly deliveryCount: number;
}

export interface PublishOptions extends OperationOptions {
  readonly key?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** @default the namespace's `publishTimeoutMs` */
  readonly timeoutMs?: number;
}

export interface SubscribeOptions {
  readonly consumer?: string;
  /** @default the namespace's value */
  readonly maxInFlight?: number;
  readonly maxDeliveries?: number;
  readonly ackTimeoutMs?: number;
  /** Where a new group starts. @default 'earliest' */
  readonly from?: StartPosition;
  readonly onError?: (error: unknown) => void;
  /** Who consumes; checked for `consume`, and each message by its key (docs/security.md). */
  readonly principal?: Principal;
}

/** `client.streams(ns)`: at-least-once publish/subscribe of JSON messages. */
export interface StreamTopic<T = JsonValue> {
  readonly namespace: string;
  publish(payload: T, options?: PublishOptions): Promise<{ readonly id: string }>;
  publishBatch(
    messages: ReadonlyArray<{ readonly payload: T; readonly key?: string; readonly headers?: Readonly<Record<string, string>> }>,
    options?: Omit<PublishOptions, 'key' | 'headers'>,
  ): Promise<Array<{ readonly id: string }>>;
  /** Acks when `handler` resolves; redelivers when it throws or times out. */
  subscribe(group: string, handler: (message: Message<T>) => Promise<void>, options?: SubscribeOptions): Promise<Subscription>;
  /** The namespace's dead-letter stream, as a topic of its own. */
  deadLetters(): StreamTopic<T>;
}

/** Health of every adapter instance the client has opened. */
export interface ClientHealth {
  readonly ok: boolean;
  readonly adapters: Readonly<Record<string, HealthReport>>;
}

/** The facade. Create once per process with `createStorageClient(config, runtime)`. */
export interface StorageClient {
  /**
   * Typed JSON records. `T` may be an interface or type alias of JSON data (`interface User { name:
   * string }`); a type holding functions, Dates, Maps or bigint does not compile.
   */
  records<T extends JsonShaped<T> = JsonValue>(namespace: string): RecordCollection<T>;
  /** Records whose writes are checked by a Standard Schema; the type follows the schema's output. */
  records<S extends StandardSchemaV1>(namespace: string, options: RecordCollectionOptions<S>): RecordCollection<StandardSchemaV1.InferOutput<S>>;
  blobs(namespace: string): BlobCollection;
  streams<T extends JsonShaped<T> = JsonValue>(namespace: string): StreamTopic<T>;
  /**
   * The outbox of a configured record adapter instance (`adapters.<name>` in the config), for relays
   * and monitoring; see `runOutboxRelay`. UNSUPPORTED when that adapter has no outbox.
   */
  outbox(adapter: string): Outbox;
  health(): Promise<ClientHealth>;
  /**
   * Re-wraps the data keys of an encrypted record or blob namespace under its configured
   * `encryption.keyId`, without re-encrypting data (docs/encryption.md). Resumable by `cursor`;
   * emits `key.rotated` to `options.audit`. Afterwards the old key ids can be retired.
   */
  rotateKeys(namespace: string, options?: RotateKeysOptions): Promise<RotationReport>;
  /**
   * Deletes a subject's records and blobs in every namespace with per-subject keys
   * (`encryption.subjectSegment`) and destroys the subject's key (crypto-shredding); emits
   * `subject.erased` to `options.audit`.
   */
  eraseSubject(subjectId: string, options?: EraseSubjectOptions): Promise<EraseReport>;
  /** Closes every adapter once; later calls fail with UNAVAILABLE. Idempotent. */
  close(): Promise<void>;
  /**
   * The same client acting as `principal`: every call of the handles it returns (transactions
   * included) carries it, unless a call passes its own `options.principal`.
   */
  as(principal: Principal): ScopedStorage;
  /**
   * Writes an event of your own (or of core's encryption tools: `key.rotated`, `subject.erased`)
   * to every audit sink of the client. Resolves when every sink has written it; rejects with
   * UNAVAILABLE (or TIMEOUT) otherwise. Identifiers in it are written as given: hash them first.
   */
  audit(event: AuditEvent): Promise<void>;
}

/** `storage.as(principal)`: the client's handles, bound to one principal. */
export type ScopedStorage = Pick<StorageClient, 'records' | 'blobs' | 'streams'> & { readonly principal: Principal };

/** Re-exported for handle signatures. */
export type { Consistency, JsonValue };
