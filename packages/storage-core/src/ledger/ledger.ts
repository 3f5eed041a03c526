import { StorageError } from '../errors/index.js';
import type { JsonValue } from '../types/index.js';
import { serializeJson } from '../validation/json-value.js';
import type { LedgerBackend } from './backend.js';
import {
  GENESIS_HASH,
  asEntry,
  asTip,
  createSigner,
  entryProblem,
  sealEntry,
  sealTip,
  tipIsAuthentic,
  type EntryProblem,
  type LedgerEntry,
  type LedgerSigning,
  type LedgerTip,
  type Signer,
} from './entry.js';

export interface LedgerOptions {
  /**
   * The ledger's identity, covered by every hash: a replica in another store keeps the same id (and
   * key), so its entries verify here and can be recovered from.
   */
  readonly id: string;
  readonly backend: LedgerBackend;
  /** Sign every entry and the tip. Strongly recommended: without it a recomputed chain is only detectable against the tip. */
  readonly signing?: LedgerSigning;
  /** Entries read per round trip by verify (default 500, 1 to 1000). Memory use of verify is bounded by this. */
  readonly readBatch?: number;
  /** Most appends written in one round trip (default 500, 1 to 1000). */
  readonly appendBatch?: number;
  /** Clock for entry times (tests). */
  readonly now?: () => Date;
}

/** An inclusive range of sequence numbers. */
export interface LedgerRange {
  readonly from: number;
  readonly to: number;
}

/** A run of consecutive entries that do not verify, and why. */
export interface CorruptRange extends LedgerRange {
  readonly problems: readonly EntryProblem[];
}

export type TipStatus = 'ok' | 'missing' | 'forged';

/** What verify found. Ranges are inclusive and merged (adjacent bad entries form one range). */
export interface VerifyReport {
  readonly ledger: string;
  readonly from: number;
  /** The last sequence number looked at (0 for an empty ledger). */
  readonly to: number;
  readonly checked: number;
  readonly verified: number;
  readonly corrupt: readonly CorruptRange[];
  readonly tip: { readonly status: TipStatus; readonly seq?: number };
  /** True when every entry checked verified and the tip is intact. */
  readonly ok: boolean;
}

export interface VerifyProgress {
  readonly through: number;
  readonly checked: number;
  readonly corruptEntries: number;
}

export interface VerifyOptions {
  readonly signal?: AbortSignal;
  /** Called after every read batch: lets start-up verification report progress while it streams. */
  readonly onProgress?: (progress: VerifyProgress) => void;
}

export interface AppendResult {
  readonly seq: number;
  readonly hash: string;
}

export interface RecoverReport extends LedgerRange {
  readonly replaced: number;
}

/** A hash-chained, append-only ledger over a record or blob store. See docs/ledger.md. */
export interface Ledger<T extends JsonValue = JsonValue> {
  readonly id: string;
  readonly backend: LedgerBackend;
  /** Appends atomically and in order, also against other writers on the same store; resolves once the entry and the tip are written. */
  append(payload: T): Promise<AppendResult>;
  /** The entry, verified against its neighbours and the tip; INTEGRITY_VIOLATION when it does not verify, NOT_FOUND past the end. */
  read(seq: number, options?: { readonly signal?: AbortSignal }): Promise<LedgerEntry<T>>;
  /** Streams through the range (default: everything) with bounded memory and reports the corrupt ranges. */
  verify(range?: Partial<LedgerRange>, options?: VerifyOptions): Promise<VerifyReport>;
  /** Replaces `range` with the entries of `source` after verifying them against this chain; a replacement that does not fit is refused (INTEGRITY_VIOLATION) and nothing is written. */
  recover(range: LedgerRange, source: Ledger<T> | LedgerBackend, options?: { readonly signal?: AbortSignal }): Promise<RecoverReport>;
}

/** Most entries one recover call replaces (they are verified in memory before anything is written). */
export const MAX_RECOVER_RANGE = 10_000;

interface Head {
  readonly seq: number;
  readonly hash: string;
}

interface PendingAppend<T> {
  readonly payload: T;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

function batchOption(name: string, value: number | undefined): number {
  if (value === undefined) return 500;
  if (!Number.isSafeInteger(value) || value < 1 || value > 1000) {
    throw new StorageError('CONFIG_INVALID', `ledger ${name} must be an integer from 1 to 1000, got ${String(value)}`);
  }
  return value;
}

function violation(id: string, seq: number, problem: EntryProblem, hint: string): StorageError {
  return new StorageError('INTEGRITY_VIOLATION', `ledger ${id}: entry ${seq} does not verify (${problem}); ${hint}`, {
    operation: 'ledger.read',
    details: { ledger: id, seq, problem },
  });
}

function checkSeq(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new StorageError('INVALID_ARGUMENT', `ledger ${name} must be an integer of at least 1, got ${String(value)}`);
  }
  return value as number;
}

/** Builds merged corrupt ranges in ascending order. */
class RangeList {
  readonly ranges: Array<{ from: number; to: number; problems: Set<EntryProblem> }> = [];
  count = 0;

  add(seq: number, problem: EntryProblem): void {
    const last = this.ranges.at(-1);
    if (last !== undefined && seq <= last.to) {
      last.problems.add(problem);
      return;
    }
    this.count += 1;
    if (last !== undefined && seq === last.to + 1) {
      last.to = seq;
      last.problems.add(problem);
      return;
    }
    this.ranges.push({ from: seq, to: seq, problems: new Set([problem]) });
  }

  has(seq: number): boolean {
    const last = this.ranges.at(-1);
    return last !== undefined && seq >= last.from && seq <= last.to;
  }

  toArray(): CorruptRange[] {
    return this.ranges.map(({ from, to, problems }) => ({ from, to, problems: [...problems].sort() }));
  }
}

export function createLedger<T extends JsonValue = JsonValue>(options: LedgerOptions): Ledger<T> {
  const { id, backend } = options;
  if (typeof id !== 'string' || id === '') throw new StorageError('CONFIG_INVALID', 'ledger id must be a non-empty string');
  const signer: Signer | undefined = createSigner(options.signing);
  const readBatch = batchOption('readBatch', options.readBatch);
  const appendBatch = batchOption('appendBatch', options.appendBatch);
  const now = options.now ?? (() => new Date());

  let head: Head | undefined;
  const queue: Array<PendingAppend<T>> = [];
  let flushing = false;

  async function readTip(signal?: AbortSignal): Promise<{ status: TipStatus; tip?: LedgerTip; etag?: string }> {
    const stored = await backend.readTip(signal);
    if (stored === undefined) return { status: 'missing' };
    const tip = asTip(stored.value);
    if (tip === undefined || !tipIsAuthentic(tip, id, signer)) return { status: 'forged', etag: stored.etag };
    return { status: 'ok', tip, etag: stored.etag };
  }

  /** The last stored entry: from the tip, then forward while entries exist. */
  async function findHead(): Promise<Head> {
    const { tip } = await readTip();
    let current: Head = tip === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: tip.seq, hash: tip.hash };
    const probe = 16;
    for (;;) {
      const seqs = Array.from({ length: probe }, (_, index) => current.seq + 1 + index);
      const values = await backend.readMany(seqs);
      let advanced = false;
      for (const [index, value] of values.entries()) {
        const entry = asEntry(value);
        if (entry === undefined) break;
        current = { seq: seqs[index]!, hash: entry.hash };
        advanced = true;
      }
      if (!advanced || current.seq < seqs.at(-1)!) return current;
    }
  }

  async function advanceTip(to: Head): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const current = await readTip();
      if (current.tip !== undefined && current.tip.seq >= to.seq) return;
      const sealed = sealTip(id, to.seq, to.hash, signer) as unknown as JsonValue;
      if (await backend.writeTip(sealed, current.status === 'missing' ? undefined : current.etag)) return;
    }
    throw new StorageError('CONSISTENCY', `ledger ${id}: the tip kept changing under concurrent writers; the entries are written, the tip lags`, {
      operation: 'ledger.append',
    });
  }

  async function writeBatch(batch: Array<PendingAppend<T>>): Promise<void> {
    let pending = batch;
    let conflicts = 0;
    while (pending.length > 0) {
      head ??= await findHead();
      const time = now().toISOString();
      let prev = head.hash;
      const sealed = pending.map((item, index) => {
        const entry = sealEntry(id, head!.seq + 1 + index, prev, item.payload, time, signer);
        prev = entry.hash;
        return entry;
      });
      const written = await backend.appendCreateOnly(sealed.map((entry) => ({ seq: entry.seq, value: entry as unknown as JsonValue })));
      if (written > 0) head = { seq: sealed[written - 1]!.seq, hash: sealed[written - 1]!.hash };
      if (written < sealed.length) {
        // Another writer took the next position: find the new end and chain after it.
        head = undefined;
        conflicts += 1;
        if (conflicts > 1000) {
          throw new StorageError('CONSISTENCY', `ledger ${id}: gave up after ${conflicts} append conflicts with other writers`, { operation: 'ledger.append' });
        }
        // Full jitter, capped at 32 ms, so racing writers spread out instead of colliding again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(32, 2 ** conflicts)));
      }
      const done = sealed.slice(0, written);
      const settled = pending.slice(0, written);
      pending = pending.slice(written);
      if (done.length > 0) {
        await advanceTip({ seq: done.at(-1)!.seq, hash: done.at(-1)!.hash });
        settled.forEach((item, index) => item.resolve({ seq: done[index]!.seq, hash: done[index]!.hash }));
      }
    }
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, appendBatch);
        try {
          await writeBatch(batch);
        } catch (error) {
          head = undefined;
          // Entries already resolved stay resolved; settle the rest with the error.
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      flushing = false;
    }
  }

  async function verifyRange(range: Partial<LedgerRange> = {}, verifyOptions: VerifyOptions = {}): Promise<VerifyReport> {
    const from = range.from === undefined ? 1 : checkSeq('range.from', range.from);
    const explicitTo = range.to === undefined ? undefined : checkSeq('range.to', range.to);
    if (explicitTo !== undefined && explicitTo < from) throw new StorageError('INVALID_ARGUMENT', `ledger range.to (${explicitTo}) is before range.from (${from})`);
    const { signal, onProgress } = verifyOptions;
    const tipInfo = await readTip(signal);
    const tip = tipInfo.tip;
    // Entries up to here must exist: the tip (or the caller) says they were written.
    const mustExist = explicitTo ?? tip?.seq ?? 0;
    const bad = new RangeList();
    let checked = 0;
    let lastSeen = from - 1;
    let lastExisting = 0;
    let missingRun: { from: number; to: number } | undefined;
    let previous: Head | undefined;
    if (from > 1) {
      const [before] = await backend.readMany([from - 1], signal);
      if (before !== undefined && entryProblem(before, id, from - 1, signer) === undefined) previous = { seq: from - 1, hash: asEntry(before)!.hash };
    }
    const flushMissing = (upTo: number) => {
      if (missingRun === undefined) return;
      for (let seq = missingRun.from; seq <= Math.min(missingRun.to, upTo); seq += 1) bad.add(seq, 'missing');
      missingRun = undefined;
    };
    const batchOf = (start: number) => {
      const end = explicitTo === undefined ? start + readBatch - 1 : Math.min(explicitTo, start + readBatch - 1);
      const seqs = Array.from({ length: Math.max(end - start + 1, 0) }, (_, index) => start + index);
      return { end, seqs, values: seqs.length === 0 ? Promise.resolve([]) : backend.readMany(seqs, signal) };
    };
    // One batch is read ahead while the previous one is hashed: memory stays at two batches.
    let next = batchOf(from);
    for (let start = from; ; start += readBatch) {
      signal?.throwIfAborted();
      const { end, seqs } = next;
      if (end < start) break;
      const values = await next.values;
      const more = explicitTo === undefined || end < explicitTo;
      next = more ? batchOf(start + readBatch) : { end: start - 1, seqs: [], values: Promise.resolve([]) };
      // A read-ahead that is not needed in the end must not leave an unhandled rejection.
      next.values.catch(() => undefined);
      let any = false;
      for (const [index, value] of values.entries()) {
        const seq = seqs[index]!;
        lastSeen = seq;
        if (value === undefined) {
          missingRun = missingRun === undefined ? { from: seq, to: seq } : { from: missingRun.from, to: seq };
          previous = undefined;
          continue;
        }
        any = true;
        checked += 1;
        lastExisting = seq;
        flushMissing(seq);
        const problem = entryProblem(value, id, seq, signer);
        if (problem !== undefined) {
          bad.add(seq, problem);
          previous = undefined;
          continue;
        }
        const entry = asEntry(value)!;
        if (seq === 1 && entry.prev !== GENESIS_HASH) {
          bad.add(seq, 'link');
        } else if (previous !== undefined && previous.seq === seq - 1 && entry.prev !== previous.hash) {
          // A broken link implicates both sides: without a signature either may be the forged one.
          if (!bad.has(seq - 1)) bad.add(seq - 1, 'link');
          bad.add(seq, 'link');
        }
        if (tip !== undefined && seq === tip.seq && entry.hash !== tip.hash) bad.add(seq, 'tip');
        previous = { seq, hash: entry.hash };
      }
      onProgress?.({ through: lastSeen, checked, corruptEntries: bad.count });
      if (explicitTo !== undefined ? end >= explicitTo : !any && end >= mustExist) break;
    }
    // A missing run counts only up to where entries must exist (a truncated tail) or up to the last
    // entry seen after it (a gap).
    flushMissing(Math.max(mustExist, lastExisting));
    const to = Math.max(Math.min(lastSeen, Math.max(mustExist, lastExisting)), from - 1);
    const corrupt = bad.toArray();
    const counted = Math.max(to - from + 1, 0);
    return {
      ledger: id,
      from,
      to,
      checked,
      verified: counted - bad.count,
      corrupt,
      tip: tip === undefined ? { status: tipInfo.status } : { status: tipInfo.status, seq: tip.seq },
      ok: corrupt.length === 0 && tipInfo.status !== 'forged' && !(tipInfo.status === 'missing' && to > 0),
    };
  }

  async function read(seqInput: number, readOptions: { readonly signal?: AbortSignal } = {}): Promise<LedgerEntry<T>> {
    const seq = checkSeq('seq', seqInput);
    const { signal } = readOptions;
    const seqs = seq > 1 ? [seq - 1, seq, seq + 1] : [seq, seq + 1];
    const [values, tipInfo] = await Promise.all([backend.readMany(seqs, signal), readTip(signal)]);
    const [before, value, after] = seq > 1 ? values : [undefined, values[0], values[1]];
    const tip = tipInfo.tip;
    if (value === undefined) {
      if ((tip !== undefined && seq <= tip.seq) || after !== undefined) throw violation(id, seq, 'missing', 'it was deleted or the ledger was truncated');
      throw new StorageError('NOT_FOUND', `ledger ${id} has no entry ${seq} yet`, { operation: 'ledger.read', details: { ledger: id, seq } });
    }
    const problem = entryProblem(value, id, seq, signer);
    if (problem !== undefined) throw violation(id, seq, problem, 'recover it from another store');
    const entry = asEntry(value)! as LedgerEntry<T>;
    if (seq === 1 && entry.prev !== GENESIS_HASH) throw violation(id, seq, 'link', 'entry 1 must start the chain');
    if (before !== undefined && entryProblem(before, id, seq - 1, signer) === undefined && asEntry(before)!.hash !== entry.prev) {
      throw violation(id, seq, 'link', 'its link to the previous entry is broken');
    }
    if (after !== undefined && entryProblem(after, id, seq + 1, signer) === undefined && asEntry(after)!.prev !== entry.hash) {
      throw violation(id, seq, 'link', 'the next entry does not link to it');
    }
    if (tip !== undefined && tip.seq === seq && tip.hash !== entry.hash) throw violation(id, seq, 'tip', 'it does not match the recorded tip');
    return entry;
  }

  async function recover(range: LedgerRange, source: Ledger<T> | LedgerBackend, recoverOptions: { readonly signal?: AbortSignal } = {}): Promise<RecoverReport> {
    const from = checkSeq('range.from', range.from);
    const to = checkSeq('range.to', range.to);
    if (to < from) throw new StorageError('INVALID_ARGUMENT', `ledger range.to (${to}) is before range.from (${from})`);
    if (to - from + 1 > MAX_RECOVER_RANGE) {
      throw new StorageError('INVALID_ARGUMENT', `ledger recover replaces at most ${MAX_RECOVER_RANGE} entries per call; split the range`);
    }
    const { signal } = recoverOptions;
    const sourceBackend = 'backend' in source ? source.backend : source;
    const refuse = (seq: number, why: string) =>
      new StorageError('INTEGRITY_VIOLATION', `ledger ${id}: the replacement for entry ${seq} is refused: ${why}; nothing was written`, {
        operation: 'ledger.recover',
        details: { ledger: id, seq, from, to },
      });
    let anchor = GENESIS_HASH;
    if (from > 1) {
      const [before] = await backend.readMany([from - 1], signal);
      if (before === undefined || entryProblem(before, id, from - 1, signer) !== undefined) {
        throw refuse(from, `entry ${from - 1} before the range does not verify either: start the range earlier`);
      }
      anchor = asEntry(before)!.hash;
    }
    const replacement: Array<{ seq: number; value: JsonValue }> = [];
    for (let start = from; start <= to; start += readBatch) {
      const seqs = Array.from({ length: Math.min(readBatch, to - start + 1) }, (_, index) => start + index);
      const values = await sourceBackend.readMany(seqs, signal);
      for (const [index, value] of values.entries()) {
        const seq = seqs[index]!;
        if (value === undefined) throw refuse(seq, 'the source has no such entry');
        const problem = entryProblem(value, id, seq, signer);
        if (problem !== undefined) throw refuse(seq, `it does not verify (${problem})`);
        const entry = asEntry(value)!;
        if (entry.prev !== anchor) throw refuse(seq, 'it does not link to the entry before it');
        anchor = entry.hash;
        replacement.push({ seq, value: value as JsonValue });
      }
    }
    const [[after], tipInfo] = await Promise.all([backend.readMany([to + 1], signal), readTip(signal)]);
    if (after !== undefined && entryProblem(after, id, to + 1, signer) === undefined) {
      if (asEntry(after)!.prev !== anchor) throw refuse(to, `entry ${to + 1} after the range does not link to it`);
    } else if (tipInfo.tip !== undefined && tipInfo.tip.seq === to) {
      if (tipInfo.tip.hash !== anchor) throw refuse(to, 'it does not match the recorded tip');
    } else if (tipInfo.tip !== undefined && tipInfo.tip.seq > to) {
      throw refuse(to, `entry ${to + 1} after the range does not verify: extend the range`);
    } else if (signer === undefined) {
      throw refuse(to, 'nothing vouches for the end of the range (no next entry, no tip, no signing key)');
    }
    await backend.replace(replacement, signal);
    // A missing or forged tip is restored from the source when the source's tip vouches for this range's end.
    if (tipInfo.status !== 'ok') {
      const stored = await sourceBackend.readTip(signal);
      const sourceTip = stored === undefined ? undefined : asTip(stored.value);
      if (sourceTip !== undefined && tipIsAuthentic(sourceTip, id, signer) && sourceTip.seq === to && sourceTip.hash === anchor) {
        await backend.writeTip(stored!.value as JsonValue, tipInfo.status === 'missing' ? undefined : tipInfo.etag, signal);
      }
    }
    return { from, to, replaced: replacement.length };
  }

  return {
    id,
    backend,
    append(payload) {
      try {
        serializeJson(payload, { operation: 'ledger.append', namespace: id }, { field: 'payload' });
      } catch (error) {
        return Promise.reject(error);
      }
      if (signer !== undefined && !signer.canSign) {
        return Promise.reject(new StorageError('UNSUPPORTED', `ledger ${id} has only a public key: it can verify but not append`, { operation: 'ledger.append' }));
      }
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ payload, resolve, reject });
        if (!flushing) void flush();
      });
    },
    read,
    verify: verifyRange,
    recover,
  };
}
