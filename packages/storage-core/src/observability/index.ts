export { createNoopLogger, createJsonLogger } from './logger.js';
export type { Logger, LogEvent, LogLevel, JsonLoggerOptions } from './logger.js';
export { createNoopMetrics } from './metrics.js';
export type {
  StorageMetrics,
  OperationLabels,
  OutcomeLabels,
  ErrorLabels,
  CacheLabels,
  NamespaceLabels,
  AdapterLabels,
  Counter,
  Histogram,
  Gauge,
  BoundCounter,
  BoundHistogram,
  BoundGauge,
} from './metrics.js';
