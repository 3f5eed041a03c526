import { StorageError } from '../errors/index.js';
import type { Logger } from '../observability/logger.js';
import type { AuditEvent, AuditSink } from '../spi/audit.js';

/** What a namespace does when its audit event cannot be written. */
export type AuditFailureMode = 'fail-open' | 'fail-closed';

/** Sends events to every sink; knows each namespace's failure mode. */
export interface Auditor {
  readonly active: boolean;
  /**
   * Fail-open: starts the writes and returns at once (a failure is logged as `audit.failed`).
   * Fail-closed: resolves when every sink has written, rejects with UNAVAILABLE otherwise.
   */
  emit(event: AuditEvent, mode: AuditFailureMode): Promise<void> | undefined;
}

export function createAuditor(sinks: readonly AuditSink[], logger: Logger, timeoutMs: number): Auditor {
  const writeAll = async (event: AuditEvent): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StorageError('TIMEOUT', `audit sink did not answer within ${String(timeoutMs)} ms`, { retryable: true })), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(sinks.map((sink) => sink.write(event))), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
  const report = (event: AuditEvent, error: unknown): void => {
    logger.log({
      event: 'audit.failed',
      level: 'error',
      ...(event.correlationId === undefined ? {} : { correlationId: event.correlationId }),
      type: event.type,
      namespace: event.resource.namespace,
      code: error instanceof StorageError ? error.code : 'INTERNAL',
    });
  };
  return {
    active: sinks.length > 0,
    emit(event, mode) {
      if (sinks.length === 0) return undefined;
      const written = writeAll(event);
      if (mode === 'fail-open') {
        written.catch((error: unknown) => report(event, error));
        return undefined;
      }
      return written.catch((error: unknown) => {
        report(event, error);
        throw new StorageError('UNAVAILABLE', `the audit event (${event.type}) could not be written and namespace "${event.resource.namespace ?? ''}" is fail-closed`, {
          retryable: false,
          ...(event.resource.namespace === undefined ? {} : { namespace: event.resource.namespace }),
          details: { audit: 'failed', type: event.type },
        });
      });
    },
  };
}
