import type { BlobPutRequest, RecordDeleteRequest, RecordPutManyRequest, RecordPutRequest, StreamPublishRequest } from '../../spi/index.js';

/** Which `timeoutMs` entry bounds an operation. */
export type TimeoutClass = 'read' | 'write' | 'transfer';

/** How the resilience layer treats one store method. */
export interface OperationPolicy {
  readonly timeout: TimeoutClass;
  /** True when running the request twice has the effect of running it once, so a retry is safe. */
  readonly idempotent: (request: never) => boolean;
  /** Time the operation may legitimately wait on top of its timeout (a publish waiting for room). */
  readonly graceMs?: (request: never) => number;
  /** The result outlives the call (a blob body): each attempt gets an abort signal of its own. */
  readonly ownSignal?: boolean;
}

/**
 * The message header that makes a publish idempotent: when every message of a publish carries it, a
 * retried publish can be de-duplicated by consumers (`idempotentHandler`) and is retried.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

const always = (): boolean => true;
const never = (): boolean => false;
const read: OperationPolicy = { timeout: 'read', idempotent: always };
const conditional = (request: { readonly ifMatch?: string; readonly ifNoneMatch?: '*' }): boolean =>
  request.ifMatch !== undefined || request.ifNoneMatch !== undefined;

/** Record methods: reads and conditional writes are retried; unconditional writes never are. */
export const RECORD_POLICIES: Readonly<Record<string, OperationPolicy>> = {
  get: read,
  list: read,
  getMany: read,
  put: { timeout: 'write', idempotent: (r: RecordPutRequest) => conditional(r) },
  delete: { timeout: 'write', idempotent: (r: RecordDeleteRequest) => r.ifMatch !== undefined },
  putMany: { timeout: 'write', idempotent: (r: RecordPutManyRequest) => r.entries.every(conditional) },
  deleteMany: { timeout: 'write', idempotent: never },
};

/** Blob methods: a put is retried when its body can be sent again (bytes, not a consumed stream). */
export const BLOB_POLICIES: Readonly<Record<string, OperationPolicy>> = {
  get: { ...read, ownSignal: true },
  head: read,
  list: read,
  presign: read,
  put: { timeout: 'transfer', idempotent: (r: BlobPutRequest) => r.body instanceof Uint8Array },
  delete: { timeout: 'write', idempotent: (r: { readonly ifMatch?: string }) => r.ifMatch !== undefined },
};

/** Stream methods: a publish is retried only when every message carries an idempotency key. */
export const STREAM_POLICIES: Readonly<Record<string, OperationPolicy>> = {
  publish: {
    timeout: 'write',
    idempotent: (r: StreamPublishRequest) => r.messages.every((m) => m.headers?.[IDEMPOTENCY_KEY_HEADER] !== undefined),
    // A publish may wait up to its own timeoutMs for room (then BACKPRESSURE) before it is sent.
    graceMs: (r: StreamPublishRequest) => r.timeoutMs ?? 0,
  },
};
