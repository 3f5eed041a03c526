import type { BlobNamespaceConfig, RecordNamespaceConfig, StreamNamespaceConfig } from '../../config/index.js';
import { StorageError } from '../../errors/index.js';
import type { BlobStore, RecordStore, StreamStore } from '../../spi/index.js';
import type { Layer, LayerContext } from '../layer.js';
import { BLOB_POLICIES, RECORD_POLICIES, STREAM_POLICIES } from '../resilience/policy.js';
import { wrapOperations } from '../resilience/wrap-operations.js';
import type { ChaosControl, ChaosSettings } from './chaos-control.js';

function waitFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms)
      : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function affects(settings: ChaosSettings, adapter: string): boolean {
  return settings.enabled && (settings.adapters === undefined || settings.adapters.includes(adapter));
}

function chaotic<S extends RecordStore | BlobStore | StreamStore>(store: S, ctx: LayerContext<unknown>, names: readonly string[], passThrough: readonly string[]): S | undefined {
  const control: ChaosControl | undefined = ctx.chaos;
  if (control === undefined || ctx.transaction !== undefined) return undefined;
  return wrapOperations(store, names, passThrough, (method, name) => {
    return (async (request: { readonly signal?: AbortSignal }) => {
      const settings = control.settings;
      if (affects(settings, ctx.adapter)) {
        if (Math.random() < settings.stallRate) await waitFor(Number.POSITIVE_INFINITY, request.signal);
        if (Math.random() < settings.errorRate) {
          throw new StorageError(settings.errorCode, `chaos: injected ${settings.errorCode} into ${name} (runtime.chaos is enabled)`, {
            operation: name,
            namespace: ctx.namespace,
            adapter: ctx.adapter,
            details: { chaos: true },
          });
        }
        if (Math.random() < settings.latencyRate) await waitFor(settings.latencyMs, request.signal);
      }
      return method(request as never);
    }) as never;
  });
}

/** Injects latency, errors and stalls into record operations while `runtime.chaos` says so. */
export const chaosRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, ctx) => chaotic(store, ctx, Object.keys(RECORD_POLICIES), ['transaction']);
/** Injects latency, errors and stalls into blob operations while `runtime.chaos` says so. */
export const chaosBlobs: Layer<BlobStore, BlobNamespaceConfig> = (store, ctx) => chaotic(store, ctx, Object.keys(BLOB_POLICIES), []);
/** Injects latency, errors and stalls into publishes while `runtime.chaos` says so. */
export const chaosStreams: Layer<StreamStore, StreamNamespaceConfig> = (store, ctx) => chaotic(store, ctx, Object.keys(STREAM_POLICIES), ['subscribe']);
