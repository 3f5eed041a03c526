type Env = Readonly<Record<string, string | undefined>>;

/** True when the standard OTEL_* variables ask for OTLP trace export (and the SDK is not disabled). */
export function otlpRequested(env: Env = process.env): boolean {
  if (/^(true|1)$/i.test(env['OTEL_SDK_DISABLED'] ?? '')) return false;
  if (env['OTEL_TRACES_EXPORTER'] !== undefined) return env['OTEL_TRACES_EXPORTER'].split(',').some((e) => e.trim() === 'otlp');
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}
