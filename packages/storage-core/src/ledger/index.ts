// Hash-chained ledgers over the record and blob SPIs (docs/ledger.md).
export { createLedger, MAX_RECOVER_RANGE } from './ledger.js';
export type {
  Ledger,
  LedgerOptions,
  LedgerRange,
  CorruptRange,
  TipStatus,
  VerifyReport,
  VerifyProgress,
  VerifyOptions,
  AppendResult,
  RecoverReport,
} from './ledger.js';
export { recordLedgerBackend, blobLedgerBackend, entryKey } from './backend.js';
export type { LedgerBackend, StoredTip } from './backend.js';
export { GENESIS_HASH, entryHash } from './entry.js';
export type { LedgerEntry, LedgerTip, LedgerSigning, EntryProblem } from './entry.js';
export { ledgerAuditSink } from './audit-sink.js';
