import { z } from 'zod';
import { MAX_TIMER_MS } from '../validation/numbers.js';
import { resilienceConfig } from './resilience-schema.js';
import { namespaceSecurityConfig, securityConfig } from './security-schema.js';

/** Config schema versions this release reads. */
export const SUPPORTED_SCHEMA_VERSIONS = [1] as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const nameMessage = 'use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit';
const durationMs = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();

const adapterInstance = z
  .object({
    /** The factory name, e.g. `postgres`, `s3`, `memory`. */
    use: z.string().min(1),
    /** Validated by the factory's own schema when the client is created. */
    options: z.unknown().optional(),
    /** Timeouts, retries and circuit breaker of this instance (docs/resilience.md). */
    resilience: resilienceConfig.prefault({}),
  })
  .strict();


// ---- encryption (issue 14; docs/encryption.md) -------------------------------------------------
/**
 * Envelope encryption of a namespace. Only key ids live here: key material comes from the
 * runtime's `keys` provider, never from this JSON.
 */
const encryptionConfig = z
  .object({
    /** Id of the key-encryption key that wraps new data keys (the provider's id). */
    keyId: z.string().min(1).max(255),
    /**
     * When set, the data keys of each subject are wrapped by that subject's own key, so
     * `eraseSubject` can crypto-shred them. The subject id is this `/`-separated segment of the key
     * (0 = the first), e.g. `0` for keys like `<subjectId>/orders/17`.
     */
    subjectSegment: z.number().int().min(0).max(64).optional(),
    /**
     * Reuse a data key for many records or messages of this namespace, within these bounds, instead
     * of wrapping a fresh one per value (ADR-027): far cheaper writes and reads. Absent = off. Not
     * with `subjectSegment`: a subject's data keys stay its own, so erasing it takes effect at once.
     * Blobs always get their own data key.
     */
    dataKeyCache: z
      .object({
        /** A data key seals new values for at most this long. @default 60000 */
        maxAgeMs: z.number().int().min(1).max(86_400_000).default(60_000),
        /** ... and at most this many. @default 4096 */
        maxMessages: z.number().int().min(1).max(2 ** 32).default(4096),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.dataKeyCache !== undefined && value.subjectSegment !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['dataKeyCache'],
        message: 'cannot be combined with subjectSegment: per-subject data keys are never shared (so eraseSubject takes effect at once); remove one of the two',
      });
    }
  });
// ---- end of encryption -------------------------------------------------------------------------

const recordNamespace = z
  .object({
    kind: z.literal('record'),
    /** Adapter instance name; absent = the embedded in-memory store. */
    adapter: z.string().optional(),
    /** Cache instance name; absent = no cache. */
    cache: z.string().optional(),
    consistency: z.enum(['strong', 'eventual', 'cache_only']).default('strong'),
    /** A strong read may be served from a cache entry at most this old. */
    stalenessBudgetMs: durationMs.default(0),
    /** An eventual read may serve an entry this much past its TTL when the store fails. */
    staleIfErrorMs: durationMs.default(0),
    /** How long an entry is fresh in the cache. */
    cacheTtlMs: positiveInt.default(30_000),
    onCacheFailure: z.enum(['fail-open', 'fail-closed']).default('fail-open'),
    /** Longest key, in UTF-8 bytes. */
    maxKeyBytes: positiveInt.max(4096).default(1024),
    /** Largest serialized value, in bytes. */
    maxValueBytes: positiveInt.default(4 * 1024 * 1024),
    /** Access policy and audit settings of this namespace (docs/security.md). */
    security: namespaceSecurityConfig,
    /** Envelope encryption; absent = stored as given. */
    encryption: encryptionConfig.optional(),
  })
  .strict();

const blobNamespace = z
  .object({
    kind: z.literal('blob'),
    adapter: z.string().optional(),
    /** `sha256`: computed while streaming, stored with the object, verified on every full read. */
    checksum: z.enum(['sha256', 'none']).default('sha256'),
    maxKeyBytes: positiveInt.max(1024).default(1024),
    /** Largest object accepted, in bytes; absent = no limit beyond the adapter's. */
    maxObjectBytes: positiveInt.optional(),
    acl: z.enum(['private', 'public-read']).default('private'),
    security: namespaceSecurityConfig,
    /** Envelope encryption of bodies and user metadata; absent = stored as given. */
    encryption: encryptionConfig.optional(),
  })
  .strict();

const streamNamespace = z
  .object({
    kind: z.literal('stream'),
    adapter: z.string().optional(),
    maxInFlight: positiveInt.max(100_000).default(64),
    maxDeliveries: positiveInt.max(1000).default(5),
    /** At most 2^31-1 ms: the longest delay a Node.js timer holds (longer ones would fire at once). */
    ackTimeoutMs: positiveInt.max(MAX_TIMER_MS).default(30_000),
    /** How long a publish may wait for room before failing with BACKPRESSURE. */
    publishTimeoutMs: positiveInt.max(MAX_TIMER_MS).default(5_000),
    maxPayloadBytes: positiveInt.default(1024 * 1024),
    security: namespaceSecurityConfig,
    /** Envelope encryption of payloads; absent = published as given. */
    encryption: encryptionConfig.optional(),
  })
  .strict();

const namespace = z.discriminatedUnion('kind', [recordNamespace, blobNamespace, streamNamespace]);

const name = z.string().regex(NAME, nameMessage);

/** The whole client configuration: plain data, JSON-able. */
export const storageConfigV1 = z
  .object({
    schemaVersion: z.literal(1),
    adapters: z.record(name, adapterInstance).default({}),
    caches: z.record(name, adapterInstance).default({}),
    namespaces: z.record(name, namespace),
    observability: z
      .object({
        /** Added as `service` to every log event core and adapters emit. */
        serviceName: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** Access control, audit and redaction (docs/security.md). */
    security: securityConfig,
  })
  .strict();

/** Config as written by users (defaults optional). */
export type StorageConfigInput = z.input<typeof storageConfigV1>;
/** Config after validation, with every default filled. */
export type StorageConfig = z.output<typeof storageConfigV1>;
export type NamespaceConfig = StorageConfig['namespaces'][string];
export type RecordNamespaceConfig = z.output<typeof recordNamespace>;
export type BlobNamespaceConfig = z.output<typeof blobNamespace>;
export type StreamNamespaceConfig = z.output<typeof streamNamespace>;
/** A namespace's `encryption` section. */
export type EncryptionConfig = z.output<typeof encryptionConfig>;
export type AdapterInstanceConfig = z.output<typeof adapterInstance>;
