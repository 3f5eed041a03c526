import type { JsonValue } from '../types/index.js';

/**
 * The audit event kinds the library itself emits. `acl.denied`, `object.deleted` and
 * `record.deleted` come from the access-control layer; `key.rotated` and `subject.erased` from the
 * encryption tools. Users may write their own kinds through the same sink.
 */
export type AuditEventType =
  | 'acl.denied'
  | 'object.deleted'
  | 'record.deleted'
  | 'key.rotated'
  | 'subject.erased'
  | (string & {});

/** One audit event. Identifiers (actor, key) arrive already redacted when redaction is on. */
export interface AuditEvent {
  readonly type: AuditEventType;
  /** ISO-8601 time the event happened. */
  readonly time: string;
  /** The principal that acted (its id, redacted), or undefined for the library itself. */
  readonly actor: string | undefined;
  /** What was attempted: read, write, delete, list, publish, consume, presign, admin, rotate, erase. */
  readonly action: string;
  readonly resource: {
    readonly kind: 'record' | 'blob' | 'stream' | 'key' | 'subject';
    readonly namespace?: string;
    readonly key?: string;
  };
  readonly outcome: 'allowed' | 'denied' | 'succeeded' | 'failed';
  readonly correlationId?: string;
  readonly details?: Readonly<Record<string, JsonValue>>;
}

/**
 * Where audit events go. `write` resolves once the event is durable as far as the sink can tell;
 * a fail-closed namespace fails its operation when `write` rejects.
 */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
  close?(): Promise<void>;
}
