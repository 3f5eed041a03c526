import type { Writable } from 'node:stream';
import type { AuditEvent, AuditSink } from '../spi/audit.js';
import type { JsonValue } from '../types/index.js';

/** The event as plain JSON (absent fields left out), as every built-in sink stores it. */
export function auditEventJson(event: AuditEvent): Record<string, JsonValue> {
  return JSON.parse(JSON.stringify(event)) as Record<string, JsonValue>;
}

/**
 * Writes one JSON object per line to `out` (a file stream, stdout, a log shipper's pipe, or a
 * function). `write` resolves when the stream accepted the line (its callback ran).
 */
export function createJsonLinesAuditSink(out: Writable | ((line: string) => void | Promise<void>)): AuditSink {
  return {
    async write(event) {
      const line = JSON.stringify(event) + '\n';
      if (typeof out === 'function') return out(line);
      await new Promise<void>((resolve, reject) => {
        out.write(line, (error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

/** What the durable sink needs of a record namespace: a create-only put. */
export interface AuditRecordTarget {
  put(key: string, value: JsonValue, options: { readonly ifNoneMatch: '*' }): Promise<unknown>;
}

/**
 * Stores every event as a record in a record namespace of your own database. Keys sort in event
 * order (`<15-digit ms>.<process tag>.<10-digit sequence>`, the clock held monotonic), so a listing
 * of the namespace reads the trail in order. Writes are create-only: an event is never overwritten.
 */
export function createRecordAuditSink(target: () => AuditRecordTarget): AuditSink {
  const processTag = Math.random().toString(16).slice(2, 10).padEnd(8, '0');
  let lastMs = 0;
  let sequence = 0;
  return {
    async write(event) {
      lastMs = Math.max(lastMs, Date.parse(event.time) || Date.now());
      sequence += 1;
      const key = `${String(lastMs).padStart(15, '0')}.${processTag}.${String(sequence).padStart(10, '0')}`;
      await target().put(key, auditEventJson(event), { ifNoneMatch: '*' });
    },
  };
}
