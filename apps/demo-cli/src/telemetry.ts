import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, tracing, core } from '@opentelemetry/sdk-node';
import { otlpRequested } from './otel-env.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Prints each finished span as one line on stderr (`--trace`), so stdout (and `--json`) stays clean.
 * The SDK's ConsoleSpanExporter writes multi-line objects to stdout, which would break both.
 */
class StderrSpanExporter implements tracing.SpanExporter {
  readonly #stream: NodeJS.WritableStream;
  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
  }
  export(spans: tracing.ReadableSpan[], done: (result: core.ExportResult) => void): void {
    for (const span of spans) {
      const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
      const status = span.status.code === 2 ? `error${span.status.message ? ` (${span.status.message})` : ''}` : 'ok';
      this.#stream.write(`span ${span.name} ${ms.toFixed(1)}ms ${status} ${JSON.stringify(span.attributes)}\n`);
    }
    done({ code: core.ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A started SDK; `shutdown` flushes pending spans. */
export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts `@opentelemetry/sdk-node` when `--trace` is given or the OTEL_* variables ask for OTLP
 * export; otherwise nothing is started and core's spans go to the no-op tracer (zero cost).
 */
export function startTelemetry(options: { trace: boolean; serviceName: string; env?: Env; stderr?: NodeJS.WritableStream }): Telemetry | undefined {
  const env = options.env ?? process.env;
  const processors: tracing.SpanProcessor[] = [];
  if (options.trace) processors.push(new tracing.SimpleSpanProcessor(new StderrSpanExporter(options.stderr ?? process.stderr)));
  if (otlpRequested(env)) processors.push(new tracing.BatchSpanProcessor(new OTLPTraceExporter()));
  if (processors.length === 0) return undefined;
  if (env['OTEL_SERVICE_NAME'] === undefined) process.env['OTEL_SERVICE_NAME'] = options.serviceName;
  const sdk = new NodeSDK({ spanProcessors: processors, instrumentations: [], autoDetectResources: false });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
