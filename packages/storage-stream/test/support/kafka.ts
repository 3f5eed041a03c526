import type { KafkaStreamStoreOptions } from '../../src/kafka/index.js';

/**
 * Settings for librdkafka's mock cluster: it serves no InitProducerId to kafkajs (no idempotent
 * producer) and holds every group join for its 3 s initial rebalance delay, so sessions must outlast
 * that; short rebalance and heartbeat timings keep consumer restarts at ~5 s instead of ~14 s.
 */
export const MOCK_TUNING = {
  idempotent: false,
  sessionTimeoutMs: 4_000,
  // 3 s, not 1 s: a consumer finishing its in-flight messages on a loaded 2-core machine missed a 1 s
  // rebalance window, was dropped from the group, and its uncommitted messages came back as duplicates.
  rebalanceTimeoutMs: 3_000,
  heartbeatIntervalMs: 300,
  maxWaitTimeMs: 100,
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 10_000,
  closeTimeoutMs: 1_000,
  commitIntervalMs: 200,
} as const satisfies Partial<KafkaStreamStoreOptions>;
