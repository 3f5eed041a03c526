import { createRequire } from 'node:module';
import type { StorageConfig } from '../config/index.js';
import { createNoopLogger, logsNothing, type Logger } from '../observability/logger.js';
import { createNoopMetrics } from '../observability/metrics.js';
import { defaultTracer } from '../observability/tracing.js';
import type { LayerRuntime } from '../layers/layer.js';
import type { StorageRuntime } from './types.js';

/** The instrumentation scope of every span core starts. */
export const TRACER_NAME = '@sanctum/storage';

// src/client and dist/client are both two levels below the package root.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** This package's version, read from its package.json: the tracer's instrumentation version. */
export const CORE_VERSION: string = version;

/** `logger` with `service` added to every event, when the config names the service. */
function withService(logger: Logger, service: string | undefined): Logger {
  // Nothing to add to events that are dropped (and the no-op logger stays recognisable: logsNothing).
  if (service === undefined || logsNothing(logger)) return logger;
  return { log: (event) => logger.log({ ...event, service }) };
}

/** Resolves the runtime's defaults once per client. */
export function resolveLayerRuntime(config: StorageConfig, runtime: StorageRuntime): LayerRuntime {
  const traced = runtime.tracer === undefined ? defaultTracer(TRACER_NAME, CORE_VERSION) : { tracer: runtime.tracer };
  return {
    logger: withService(runtime.logger ?? createNoopLogger(), config.observability.serviceName),
    metrics: runtime.metrics ?? createNoopMetrics(),
    tracer: traced.tracer,
    ...(traced.idle === undefined ? {} : { tracesNothing: traced.idle }),
    now: runtime.now ?? Date.now,
    ...(runtime.keys === undefined ? {} : { keys: runtime.keys }),
  };
}
