import { createChaosControl, type AdapterFactory, type ChaosSettingsInput, type StorageConfigInput } from '@sanctum/storage-core';
import { EMBEDDED_CONFIG, loadConfig } from './config.js';
import { startService } from './service.js';

/** Factories for the `use` names a config mentions (drivers load only when used). */
async function factoriesFor(config: StorageConfigInput): Promise<AdapterFactory[]> {
  const uses = new Set<string>();
  for (const entry of Object.values({ ...config.adapters })) uses.add(`adapter:${(entry as { use: string }).use}`);
  for (const entry of Object.values({ ...config.caches })) uses.add(`cache:${(entry as { use: string }).use}`);
  const out: AdapterFactory[] = [];
  if (uses.has('adapter:postgres')) out.push((await import('@sanctum/storage-postgres')).postgresRecords() as AdapterFactory);
  if (uses.has('adapter:s3')) out.push((await import('@sanctum/storage-s3')).s3Blobs() as AdapterFactory);
  if (uses.has('adapter:redis-streams')) out.push((await import('@sanctum/storage-stream/redis')).redisStreams() as AdapterFactory);
  if (uses.has('adapter:kafka')) out.push((await import('@sanctum/storage-stream/kafka')).kafkaStreams() as AdapterFactory);
  if (uses.has('cache:memory')) out.push((await import('@sanctum/storage-cache-memory')).memoryCache() as AdapterFactory);
  if (uses.has('cache:redis')) out.push((await import('@sanctum/storage-cache-redis')).redisCache() as AdapterFactory);
  return out;
}

// OpenTelemetry when the standard variables ask for OTLP export (no-op tracer otherwise).
if (process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
  const { NodeSDK, tracing } = await import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  process.env['OTEL_SERVICE_NAME'] ??= 'sanctum-sample-service';
  const sdk = new NodeSDK({ spanProcessors: [new tracing.BatchSpanProcessor(new OTLPTraceExporter())], instrumentations: [] });
  sdk.start();
  process.once('beforeExit', () => void sdk.shutdown());
}

const file = process.env['SANCTUM_STORAGE_CONFIG'];
const config = file === undefined || file === '' ? EMBEDDED_CONFIG : await loadConfig(file);
// SANCTUM_CHAOS: core chaos settings as JSON (e.g. the nightly load run); invalid settings fail the start.
const chaosJson = process.env['SANCTUM_CHAOS'];
const chaos = chaosJson ? createChaosControl() : undefined;
if (chaos && chaosJson) chaos.set(JSON.parse(chaosJson) as ChaosSettingsInput);
const service = await startService({ config, adapters: await factoriesFor(config), ...(chaos ? { chaos } : {}), port: Number(process.env['PORT'] ?? 8080), host: process.env['HOST'] ?? '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ event: 'listening', url: service.url, storage: file ?? 'embedded' })}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    process.stdout.write(`${JSON.stringify({ event: 'shutdown', signal })}\n`);
    service.shutdown().then(
      () => process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  });
}
