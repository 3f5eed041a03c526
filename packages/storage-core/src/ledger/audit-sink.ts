import type { AuditEvent, AuditSink } from '../spi/audit.js';
import type { JsonValue } from '../types/index.js';
import type { Ledger } from './ledger.js';

/**
 * An audit sink that appends every event to a ledger, making the audit log tamper-evident: an edited,
 * deleted or reordered event fails `ledger.verify()` and is never served by `ledger.read()`.
 * `write` resolves once the entry and the ledger's tip are stored.
 */
export function ledgerAuditSink(ledger: Ledger): AuditSink {
  return {
    async write(event: AuditEvent): Promise<void> {
      // Fields that are undefined (an absent actor) are left out: the entry is canonical JSON.
      await ledger.append(JSON.parse(JSON.stringify(event)) as JsonValue);
    },
  };
}
