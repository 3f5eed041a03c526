import client from 'prom-client';
import type { Registry } from 'prom-client';
import type { StorageMetrics } from './metrics.js';

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Where the series are registered. @default prom-client's global registry */
  readonly registry?: Registry;
  /** Buckets of the duration histogram, in seconds. */
  readonly durationBuckets?: readonly number[];
  /** Buckets of the payload histogram, in bytes. */
  readonly payloadBuckets?: readonly number[];
}

const OPERATION = ['namespace', 'kind', 'operation', 'adapter'] as const;
const DEFAULT_DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DEFAULT_PAYLOAD_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/**
 * StorageMetrics on prom-client. Safe to call twice with one registry (clients share the series).
 * Import from `@sanctum/storage-core/prometheus` so prom-client loads only for those who use it.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): StorageMetrics {
  const registry = options.registry ?? client.register;
  const registers = [registry];

  function counter<L extends string>(name: string, help: string, labelNames: readonly L[]) {
    const existing = registry.getSingleMetric(name) as client.Counter<L> | undefined;
    const metric = existing ?? new client.Counter({ name, help, labelNames, registers });
    return { bind: (labels: Record<L, string>) => metric.labels(labels) };
  }
  function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) {
    const existing = registry.getSingleMetric(name) as client.Histogram<L> | undefined;
    const metric = existing ?? new client.Histogram({ name, help, labelNames, buckets: [...buckets], registers });
    return { bind: (labels: Record<L, string>) => metric.labels(labels) };
  }
  function gauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
    const existing = registry.getSingleMetric(name) as client.Gauge<L> | undefined;
    const metric = existing ?? new client.Gauge({ name, help, labelNames, registers });
    return { bind: (labels: Record<L, string>) => metric.labels(labels) };
  }

  return {
    requestsTotal: counter('storage_requests_total', 'Storage operations by outcome.', [...OPERATION, 'outcome']),
    errorsTotal: counter('storage_errors_total', 'Failed storage operations by error code.', [...OPERATION, 'code']),
    retriesTotal: counter('storage_retries_total', 'Retried storage operation attempts.', OPERATION),
    durationSeconds: histogram(
      'storage_operation_duration_seconds',
      'Storage operation latency in seconds.',
      [...OPERATION, 'outcome'],
      options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
    ),
    payloadBytes: histogram(
      'storage_payload_bytes',
      'Bytes written or read per operation.',
      OPERATION,
      options.payloadBuckets ?? DEFAULT_PAYLOAD_BUCKETS,
    ),
    cacheRequestsTotal: counter('storage_cache_requests_total', 'Cache lookups by result.', ['namespace', 'kind', 'result']),
    circuitState: gauge('storage_circuit_state', 'Circuit breaker state: 0 closed, 1 half-open, 2 open.', ['adapter']),
    consistencyViolationsTotal: counter(
      'storage_consistency_violations_total',
      'Strong reads that could not observe the client’s own write in time.',
      ['namespace', 'kind'],
    ),
  };
}
