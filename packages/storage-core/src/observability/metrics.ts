/** Labels of every per-operation series. Never keys, values or principals. */
export interface OperationLabels {
  readonly namespace: string;
  readonly kind: string;
  readonly operation: string;
  readonly adapter: string;
}

/** `outcome` is `ok` or `error`. */
export type OutcomeLabels = OperationLabels & { readonly outcome: 'ok' | 'error' };
export type ErrorLabels = OperationLabels & { readonly code: string };
export type CacheLabels = { readonly namespace: string; readonly kind: string; readonly result: 'hit' | 'miss' | 'stale' };
export type NamespaceLabels = { readonly namespace: string; readonly kind: string };
export type AdapterLabels = { readonly adapter: string };

/** A counter bound to one label set. */
export interface BoundCounter {
  inc(value?: number): void;
}
/** A histogram bound to one label set. */
export interface BoundHistogram {
  observe(value: number): void;
}
/** A gauge bound to one label set. */
export interface BoundGauge {
  set(value: number): void;
}

/**
 * Instruments bind a label set once, so the hot path never hashes labels: layers bind at build time
 * and only call `inc` / `observe` per operation.
 */
export interface Counter<Labels> {
  bind(labels: Labels): BoundCounter;
}
export interface Histogram<Labels> {
  bind(labels: Labels): BoundHistogram;
}
export interface Gauge<Labels> {
  bind(labels: Labels): BoundGauge;
}

/** Every metric core records. Names in docs/observability.md. */
export interface StorageMetrics {
  /** `storage_requests_total` */
  readonly requestsTotal: Counter<OutcomeLabels>;
  /** `storage_errors_total` */
  readonly errorsTotal: Counter<ErrorLabels>;
  /** `storage_retries_total` */
  readonly retriesTotal: Counter<OperationLabels>;
  /** `storage_operation_duration_seconds` */
  readonly durationSeconds: Histogram<OutcomeLabels>;
  /** `storage_payload_bytes` */
  readonly payloadBytes: Histogram<OperationLabels>;
  /** `storage_cache_requests_total`; hit ratio = hit / (hit + miss + stale). */
  readonly cacheRequestsTotal: Counter<CacheLabels>;
  /** `storage_circuit_state`: 0 closed, 1 half-open, 2 open. */
  readonly circuitState: Gauge<AdapterLabels>;
  /** `storage_consistency_violations_total` */
  readonly consistencyViolationsTotal: Counter<NamespaceLabels>;
  /** `storage_outbox_pending`: outbox rows not yet sent, per record adapter instance (optional: absent records nothing). */
  readonly outboxPending?: Gauge<AdapterLabels>;
  /** `storage_outbox_lag_seconds`: age of the oldest pending outbox row; 0 when none is pending. */
  readonly outboxLagSeconds?: Gauge<AdapterLabels>;
}

const NOOP_BOUND: BoundCounter & BoundHistogram & BoundGauge = { inc() {}, observe() {}, set() {} };
const NOOP_INSTRUMENT = { bind: () => NOOP_BOUND };

/** True for the instruments of {@link createNoopMetrics}: a layer may then skip work done only for them (a clock read). */
export function recordsNothing(bound: BoundCounter | BoundHistogram | BoundGauge): boolean {
  return bound === NOOP_BOUND;
}

/** Metrics that record nothing and cost one call: the default. */
export function createNoopMetrics(): StorageMetrics {
  return {
    requestsTotal: NOOP_INSTRUMENT,
    errorsTotal: NOOP_INSTRUMENT,
    retriesTotal: NOOP_INSTRUMENT,
    durationSeconds: NOOP_INSTRUMENT,
    payloadBytes: NOOP_INSTRUMENT,
    cacheRequestsTotal: NOOP_INSTRUMENT,
    circuitState: NOOP_INSTRUMENT,
    consistencyViolationsTotal: NOOP_INSTRUMENT,
    outboxPending: NOOP_INSTRUMENT,
    outboxLagSeconds: NOOP_INSTRUMENT,
  };
}
