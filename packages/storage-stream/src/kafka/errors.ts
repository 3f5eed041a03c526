import { StorageError, classifySocketError, isStorageError, type StorageErrorCode } from '@sanctum/storage-core/spi';

/** The adapter name in errors, metrics and config (`use: 'kafka'`). */
export const KAFKA_ADAPTER = 'kafka';

/** Broker error types (`KafkaJSProtocolError.type`) that are not simply transient. */
const PROTOCOL_CODES: Readonly<Record<string, StorageErrorCode>> = {
  MESSAGE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RECORD_LIST_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  INVALID_TOPIC_EXCEPTION: 'INVALID_ARGUMENT',
  INVALID_RECORD: 'INVALID_ARGUMENT',
  TOPIC_AUTHORIZATION_FAILED: 'ACCESS_DENIED',
  GROUP_AUTHORIZATION_FAILED: 'ACCESS_DENIED',
  CLUSTER_AUTHORIZATION_FAILED: 'ACCESS_DENIED',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'ACCESS_DENIED',
  SASL_AUTHENTICATION_FAILED: 'ACCESS_DENIED',
  POLICY_VIOLATION: 'ACCESS_DENIED',
  UNSUPPORTED_VERSION: 'UNSUPPORTED',
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 'UNSUPPORTED',
  REQUEST_TIMED_OUT: 'TIMEOUT',
  THROTTLING_QUOTA_EXCEEDED: 'BACKPRESSURE',
  KAFKA_STORAGE_ERROR: 'UNAVAILABLE',
  OFFSET_OUT_OF_RANGE: 'INTERNAL',
};

/** kafkajs error classes (by `name`, so this file needs no driver import) → code. */
const NAMED_CODES: Readonly<Record<string, StorageErrorCode>> = {
  KafkaJSConnectionError: 'UNAVAILABLE',
  KafkaJSConnectionClosedError: 'UNAVAILABLE',
  KafkaJSBrokerNotFound: 'UNAVAILABLE',
  KafkaJSNoBrokerAvailableError: 'UNAVAILABLE',
  KafkaJSMetadataNotLoaded: 'UNAVAILABLE',
  KafkaJSTopicMetadataNotLoaded: 'UNAVAILABLE',
  KafkaJSStaleTopicMetadataAssignment: 'UNAVAILABLE',
  KafkaJSGroupCoordinatorNotFound: 'UNAVAILABLE',
  KafkaJSRequestTimeoutError: 'TIMEOUT',
  KafkaJSTimeout: 'TIMEOUT',
  KafkaJSLockTimeout: 'TIMEOUT',
  KafkaJSSASLAuthenticationError: 'ACCESS_DENIED',
  KafkaJSServerDoesNotSupportApiKey: 'UNSUPPORTED',
  KafkaJSNotImplemented: 'UNSUPPORTED',
  KafkaJSUnsupportedMagicByteInMessageSet: 'UNSUPPORTED',
  KafkaJSOffsetOutOfRange: 'INTERNAL',
  KafkaJSPartialMessageError: 'INTERNAL',
  KafkaJSInvariantViolation: 'INTERNAL',
  KafkaJSNonRetriableError: 'INTERNAL',
};

interface KafkaLikeError {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly retriable?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: unknown;
}

function codeOf(error: unknown, depth = 0): StorageErrorCode {
  if (typeof error !== 'object' || error === null || depth > 4) return 'INTERNAL';
  const e = error as KafkaLikeError;
  if (isStorageError(error)) return error.code;
  // Retries exhausted and aggregates: the underlying failure decides.
  if (e.name === 'KafkaJSNumberOfRetriesExceeded') {
    const inner = e.cause ?? e.originalError;
    return inner === undefined ? 'UNAVAILABLE' : codeOf(inner, depth + 1);
  }
  if (e.name === 'KafkaJSAggregateError' && Array.isArray(e.errors) && e.errors.length > 0) return codeOf(e.errors[0], depth + 1);
  // kafkajs' retrier gives up on an error it deems not retriable by wrapping it (cause = the error):
  // a connection lost mid-publish is still UNAVAILABLE, not INTERNAL.
  if (e.name === 'KafkaJSNonRetriableError' && typeof e.cause === 'object' && e.cause !== null && e.cause !== error) return codeOf(e.cause, depth + 1);
  if (typeof e.type === 'string' && e.type in PROTOCOL_CODES) return PROTOCOL_CODES[e.type] as StorageErrorCode;
  if (typeof e.name === 'string' && e.name in NAMED_CODES) return NAMED_CODES[e.name] as StorageErrorCode;
  const socket = classifySocketError(error);
  if (socket !== undefined) return socket.code;
  // A protocol error kafkajs marks retriable (NOT_LEADER, REBALANCE_IN_PROGRESS, …) is transient.
  if (e.retriable === true) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/**
 * Maps anything kafkajs or a broker throws to a StorageError of this adapter. StorageErrors pass
 * through (with context filled in); nothing raw reaches callers.
 */
export function mapKafkaError(error: unknown, operation: string, namespace?: string): StorageError {
  if (isStorageError(error)) return error.withContext({ operation, namespace, adapter: KAFKA_ADAPTER });
  const code = codeOf(error);
  const text = error instanceof Error ? error.message : String(error);
  const type = (error as KafkaLikeError | null)?.type;
  return new StorageError(code, `kafka: ${text}`, {
    operation,
    namespace,
    adapter: KAFKA_ADAPTER,
    cause: error,
    ...(typeof type === 'string' ? { details: { type } } : {}),
  });
}

/** A StorageError raised by this adapter itself. */
export function kafkaError(
  code: StorageErrorCode,
  message: string,
  operation: string,
  namespace?: string,
  extra: { readonly details?: Readonly<Record<string, unknown>>; readonly cause?: unknown } = {},
): StorageError {
  return new StorageError(code, message, { operation, namespace, adapter: KAFKA_ADAPTER, ...extra });
}
