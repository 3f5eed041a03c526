import { INVALID_SPAN_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { StorageError, StorageErrorCode } from '../../errors/index.js';
import { recordsNothing, type BoundCounter, type OperationLabels } from '../../observability/metrics.js';
import { logsNothing } from '../../observability/logger.js';
import { IDLE_SPAN } from '../../observability/tracing.js';
import type { LayerContext } from '../layer.js';
import { normalizeError } from '../normalize-error.js';

/** Bytes the operation moved (from its request or result), when it has a payload. */
export type PayloadOf<Req, R> = (result: R, request: Req) => number | undefined;

/**
 * Wraps one operation with a span, request/error counters, a duration histogram and an error log
 * line. Label sets are bound once here, so a call costs a clock read and a few increments.
 */
export function instrument<Req, R>(
  operation: string,
  kind: string,
  run: (request: Req) => Promise<R>,
  ctx: LayerContext<unknown>,
  payloadOf?: PayloadOf<Req, R>,
): (request: Req) => Promise<R> {
  const { metrics, tracer, logger, tracesNothing } = ctx.runtime;
  const labels: OperationLabels = { namespace: ctx.namespace, kind, operation, adapter: ctx.adapter };
  const okCount = metrics.requestsTotal.bind({ ...labels, outcome: 'ok' });
  const errorCount = metrics.requestsTotal.bind({ ...labels, outcome: 'error' });
  const okDuration = metrics.durationSeconds.bind({ ...labels, outcome: 'ok' });
  const errorDuration = metrics.durationSeconds.bind({ ...labels, outcome: 'error' });
  const payload = metrics.payloadBytes.bind(labels);
  const errorsByCode = new Map<StorageErrorCode, BoundCounter>();
  // With no-op metrics nothing reads a successful call's duration: skip its clock read (~50 ns here).
  const timeOk = !recordsNothing(okDuration);
  // A failed call's duration goes to a histogram and the error log line: with neither recorded
  // (no-op metrics and logger) no call needs its start time at all.
  const timeAny = timeOk || !recordsNothing(errorDuration) || !logsNothing(logger);
  const spanName = `storage.${kind}.${operation}`;
  const attributes: Attributes = {
    'storage.namespace': ctx.namespace,
    'storage.kind': kind,
    'storage.operation': operation,
    'storage.adapter': ctx.adapter,
    'db.system': ctx.dbSystem,
  };
  const spanOptions = { kind: SpanKind.CLIENT, attributes };

  function fail(thrown: unknown, request: Req, started: number, span: Span): StorageError {
    const error = normalizeError(thrown, { operation: `${kind}s.${operation}`, namespace: ctx.namespace, adapter: ctx.adapter });
    const seconds = (performance.now() - started) / 1000;
    errorCount.inc();
    errorDuration.observe(seconds);
    let byCode = errorsByCode.get(error.code);
    if (byCode === undefined) {
      byCode = metrics.errorsTotal.bind({ ...labels, code: error.code });
      errorsByCode.set(error.code, byCode);
    }
    byCode.inc();
    span.setAttribute('storage.error_code', error.code);
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
    span.end();
    logger.log({
      event: 'storage.error',
      level: error.retryable ? 'warn' : 'error',
      correlationId: correlationOf(request),
      namespace: ctx.namespace,
      kind,
      operation,
      adapter: ctx.adapter,
      code: error.code,
      retryable: error.retryable,
      message: error.message,
      durationMs: Math.round(seconds * 1e6) / 1e3,
    });
    return error;
  }

  function succeed(result: R, request: Req, started: number, span: Span): R {
    okCount.inc();
    if (timeOk) okDuration.observe((performance.now() - started) / 1000);
    if (payloadOf) {
      const bytes = payloadOf(result, request);
      if (bytes !== undefined) payload.observe(bytes);
    }
    span.end();
    return result;
  }

  // Nothing recorded anywhere (no-op metrics and logger): while no tracing SDK is registered either,
  // a call only needs its errors normalized, so it takes no clock read, span or per-call closures.
  const quiet =
    !timeAny &&
    tracesNothing !== undefined &&
    recordsNothing(okCount) &&
    recordsNothing(errorCount) &&
    recordsNothing(payload) &&
    recordsNothing(metrics.errorsTotal.bind({ ...labels, code: 'INTERNAL' }));
  const failQuietly = (thrown: unknown): never => {
    throw fail(thrown, undefined as Req, 0, IDLE_SPAN);
  };

  // A plain promise chain, not an async function: one `then` per call instead of an async frame
  // plus the extra ticks of resolving it with the inner promise (issue 9, hot path).
  return (request) => {
    if (quiet && tracesNothing()) {
      let pending: Promise<R>;
      try {
        pending = run(request);
      } catch (thrown) {
        return Promise.reject(fail(thrown, request, 0, IDLE_SPAN));
      }
      return pending.then(undefined, failQuietly);
    }
    const started = timeAny ? performance.now() : 0;
    // No SDK behind the default tracer: the span would record nothing, so none is started (~40 ns).
    const span = tracesNothing !== undefined && tracesNothing() ? IDLE_SPAN : tracer.startSpan(spanName, spanOptions);
    let pending: Promise<R>;
    try {
      // Without an SDK (and no parent) the API hands out spans with this very context object:
      // nothing can observe the context switch, so skip it.
      pending = span.spanContext() === INVALID_SPAN_CONTEXT ? run(request) : context.with(trace.setSpan(context.active(), span), run, undefined, request);
    } catch (thrown) {
      return Promise.reject(fail(thrown, request, started, span));
    }
    return pending.then(
      (result) => succeed(result, request, started, span),
      (thrown: unknown) => {
        throw fail(thrown, request, started, span);
      },
    );
  };
}

function correlationOf(request: unknown): string {
  const given = typeof request === 'object' && request !== null ? (request as { correlationId?: unknown }).correlationId : undefined;
  return typeof given === 'string' ? given : randomUUID();
}
