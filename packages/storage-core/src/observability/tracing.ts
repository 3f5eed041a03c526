import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, trace, type Span, type Tracer } from '@opentelemetry/api';

// What a ProxyTracerProvider delegates to while no SDK is registered: the API's shared no-op
// provider (one instance per copy of the API module), taken from a proxy that never gets a delegate.
const NO_SDK = new ProxyTracerProvider().getDelegate();

/** A span that records nothing, shared by every call made while no SDK is registered. */
export const IDLE_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The default tracer of a client, and whether it would record anything right now. */
export interface DefaultTracer {
  readonly tracer: Tracer;
  /**
   * True while no tracing SDK stands behind `tracer`: a span it starts records nothing and carries
   * only the active context, so a caller may skip starting one. Checked per call, because an SDK
   * registered after the client was created takes over from then on. Absent when it cannot tell.
   */
  readonly idle?: () => boolean;
}

/**
 * The tracer the global API hands out for `name`/`version`, with a cheap per-call check of whether
 * an SDK is registered behind it. Only the API's own proxy can be checked; any other provider
 * (another copy of the API, a provider registered before this call) is always traced.
 */
export function defaultTracer(name: string, version: string): DefaultTracer {
  const provider = trace.getTracerProvider();
  const tracer = provider.getTracer(name, version);
  if (!(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_SDK) return { tracer };
  return { tracer, idle: () => provider.getDelegate() === NO_SDK };
}
