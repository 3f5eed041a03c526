import type { BlobNamespaceConfig, RecordNamespaceConfig, ResilienceConfig, StreamNamespaceConfig } from '../../config/index.js';
import type { BlobStore, RecordStore, StreamStore } from '../../spi/index.js';
import type { Layer, LayerContext } from '../layer.js';
import { AdapterBreaker } from './breaker.js';
import { deadlineError, type CallSite } from './deadline.js';
import { DeadlineWheel } from './deadline-wheel.js';
import { BLOB_POLICIES, RECORD_POLICIES, STREAM_POLICIES, type OperationPolicy } from './policy.js';
import { RetryBudget } from './retry-budget.js';
import { runResilient, type CallPlan } from './resilient-call.js';
import { wrapOperations } from './wrap-operations.js';

/** What one adapter instance shares across its namespaces: the retry budget and the breaker. */
interface InstanceState {
  readonly budget: RetryBudget;
  readonly breaker: AdapterBreaker | undefined;
}

// Keyed by the instance's parsed config object, so every namespace of one instance in one client
// shares a budget and a breaker, and two clients never do.
const STATES = new WeakMap<ResilienceConfig, Map<string, InstanceState>>();

function stateOf(config: ResilienceConfig, kind: string, instance: string, ctx: LayerContext<unknown>): InstanceState {
  let byKind = STATES.get(config);
  if (byKind === undefined) STATES.set(config, (byKind = new Map()));
  let state = byKind.get(kind);
  if (state === undefined) {
    state = {
      budget: new RetryBudget(config.retry.budget, config.retry.minPerWindow, config.retry.windowMs),
      breaker: config.breaker.enabled ? new AdapterBreaker(ctx.adapter, instance, config.breaker, ctx.runtime) : undefined,
    };
    const { breaker } = state;
    if (breaker !== undefined) ctx.onClose(() => breaker.shutdown());
    byKind.set(kind, state);
  }
  return state;
}

/**
 * Calls starting within this window share one deadline slot, so a deadline fires between timeoutMs
 * and timeoutMs + SLOT_MS after the call started.
 */
const SLOT_MS = 10;

const ACCESSOR: Readonly<Record<string, string>> = { record: 'records', blob: 'blobs', stream: 'streams' };

function resilient<S extends RecordStore | BlobStore | StreamStore>(
  store: S,
  ctx: LayerContext<unknown>,
  policies: Readonly<Record<string, OperationPolicy>>,
  passThrough: readonly string[],
): S | undefined {
  const instance = ctx.instance;
  // Inside a transaction a failed statement ends the transaction: retrying it there cannot help, and
  // the transaction as a whole already passed the breaker.
  if (instance === undefined || !instance.resilience.enabled || ctx.transaction !== undefined) return undefined;
  const config = instance.resilience;
  const { budget, breaker } = stateOf(config, store.kind, instance.name, ctx);
  return wrapOperations(store, Object.keys(policies), passThrough, (method, name) => {
    const policy = policies[name]!;
    const timeoutMs = config.timeoutMs[policy.timeout];
    const site: CallSite = { operation: `${ACCESSOR[store.kind]}.${name}`, namespace: ctx.namespace, adapter: ctx.adapter };
    const write = policy.timeout !== 'read';
    const wheel = new DeadlineWheel(timeoutMs, SLOT_MS, () => deadlineError(site, timeoutMs, write));
    const retries = ctx.runtime.metrics.retriesTotal.bind({ namespace: ctx.namespace, kind: store.kind, operation: name, adapter: ctx.adapter });
    const plan: CallPlan = {
      call: method as CallPlan['call'],
      site,
      policy,
      wheel,
      write,
      ownSignal: policy.ownSignal === true,
      retry: config.retry,
      budget,
      breaker,
      onRetry: () => retries.inc(),
    };
    return ((request: { readonly signal?: AbortSignal }) => runResilient(plan, request)) as never;
  });
}

/** Deadlines, retries and the breaker for record operations (transactions pass through). */
export const resilientRecords: Layer<RecordStore, RecordNamespaceConfig> = (store, ctx) => resilient(store, ctx, RECORD_POLICIES, ['transaction']);

/** Deadlines, retries and the breaker for blob operations. */
export const resilientBlobs: Layer<BlobStore, BlobNamespaceConfig> = (store, ctx) => resilient(store, ctx, BLOB_POLICIES, []);

/** Deadlines, retries and the breaker for publishes (subscriptions are long-lived and pass through). */
export const resilientStreams: Layer<StreamStore, StreamNamespaceConfig> = (store, ctx) => resilient(store, ctx, STREAM_POLICIES, ['subscribe']);
