import type { HealthReport, Principal } from '../types/index.js';

/**
 * What every store of every kind has. `open`, `close` and `health` are optional: core calls `open`
 * exactly once before the first operation and `close` exactly once at shutdown, so adapters never
 * guard against repeated or concurrent calls themselves.
 */
export interface StoreBase<Kind extends string, Capabilities> {
  readonly kind: Kind;
  /** The adapter's name, e.g. `postgres`; used in errors, metrics and spans. */
  readonly name: string;
  /** Readonly flags; the contract suite checks that undeclared features answer UNSUPPORTED. */
  readonly capabilities: Capabilities;
  open?(): Promise<void>;
  close?(): Promise<void>;
  health?(): Promise<HealthReport>;
}

/** Fields every request to a namespaced store carries. */
export interface NamespacedRequest {
  /** The logical namespace; adapters map it to a table, bucket, prefix or stream. */
  readonly namespace: string;
  readonly signal?: AbortSignal;
  readonly correlationId?: string;
  /** Who is acting; consumed by the access-control layer. Adapters ignore it. */
  readonly principal?: Principal;
}
