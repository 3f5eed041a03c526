import client from 'prom-client';
import type { Registry } from 'prom-client';
import type { StorageMetrics } from './metrics.js';
import { BoundSeriesMetric, FastCounter, FastHistogram } from './prometheus-series.js';

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Where the series are registered. @default prom-client's global registry */
  readonly registry?: Registry;
  /** Buckets of the duration histogram, in seconds. */
  readonly durationBuckets?: readonly number[];
  /** Buckets of the payload histogram, in bytes. */
  readonly payloadBuckets?: readonly number[];
}

const DEFAULT_DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DEFAULT_PAYLOAD_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/**
 * StorageMetrics exposed through a prom-client Registry. Series are registered as metric objects
 * that prom-client formats on scrape, so recording costs a field update, not a label hash. Safe to
 * call twice with one registry: clients then share the series.
 * Import from `@sanctum/storage-core/prometheus` so prom-client loads only for those who use it.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): StorageMetrics {
  const registry = options.registry ?? client.register;

  function register<M extends BoundSeriesMetric<object, unknown>>(metric: M): M {
    const existing: unknown = registry.getSingleMetric(metric.name);
    if (existing === undefined) {
      registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
      return metric;
    }
    if (existing instanceof BoundSeriesMetric && existing.type === metric.type) return existing as M;
    throw new Error(`prom-client registry already has a metric named ${metric.name} that is not @sanctum/storage's; use another registry`);
  }
  const counter = <L extends object>(name: string, help: string) => register(new FastCounter<L>(name, help, 'counter'));
  const gauge = <L extends object>(name: string, help: string) => register(new FastCounter<L>(name, help, 'gauge'));
  const histogram = <L extends object>(name: string, help: string, buckets: readonly number[]) => register(new FastHistogram<L>(name, help, buckets));

  return {
    requestsTotal: counter('storage_requests_total', 'Storage operations by outcome.'),
    errorsTotal: counter('storage_errors_total', 'Failed storage operations by error code.'),
    retriesTotal: counter('storage_retries_total', 'Retried storage operation attempts.'),
    durationSeconds: histogram(
      'storage_operation_duration_seconds',
      'Storage operation latency in seconds.',
      options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
    ),
    payloadBytes: histogram('storage_payload_bytes', 'Bytes written or read per operation.', options.payloadBuckets ?? DEFAULT_PAYLOAD_BUCKETS),
    cacheRequestsTotal: counter('storage_cache_requests_total', 'Cache lookups by result.'),
    circuitState: gauge('storage_circuit_state', 'Circuit breaker state: 0 closed, 1 half-open, 2 open.'),
    consistencyViolationsTotal: counter('storage_consistency_violations_total', 'Strong reads that could not observe the client’s own write in time.'),
    outboxPending: gauge('storage_outbox_pending', 'Transactional outbox rows not yet published, per record adapter instance.'),
    outboxLagSeconds: gauge('storage_outbox_lag_seconds', 'Age in seconds of the oldest unpublished outbox row (0 when none).'),
  };
}
