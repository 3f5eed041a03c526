import type { Consistency } from '../types/index.js';
import { describeType, invalidArgument, type Where } from './where.js';

const CONSISTENCY: ReadonlySet<unknown> = new Set<Consistency>(['strong', 'eventual', 'cache_only']);

/** Throws INVALID_ARGUMENT when both `ifMatch` and `ifNoneMatch` are given, or either is malformed. */
export function assertConditions(conditions: { readonly ifMatch?: unknown; readonly ifNoneMatch?: unknown }, where: Where): void {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined && (typeof ifMatch !== 'string' || ifMatch.length === 0)) {
    throw invalidArgument(where, 'ifMatch', 'ifMatch must be a non-empty ETag string from a previous read or write');
  }
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
    throw invalidArgument(where, 'ifNoneMatch', `ifNoneMatch only accepts '*' (create only), got ${describeType(ifNoneMatch)}`);
  }
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw invalidArgument(where, 'ifNoneMatch', 'ifMatch and ifNoneMatch cannot be combined; use one precondition');
  }
}

/** Throws INVALID_ARGUMENT unless the read preferences are absent or known values. */
export function assertReadPreferences(options: { readonly consistency?: unknown; readonly bypassCache?: unknown }, where: Where): void {
  if (options.consistency !== undefined && !CONSISTENCY.has(options.consistency)) {
    throw invalidArgument(where, 'consistency', `consistency must be "strong", "eventual" or "cache_only", got ${describeType(options.consistency)}`);
  }
  if (options.bypassCache !== undefined && typeof options.bypassCache !== 'boolean') {
    throw invalidArgument(where, 'bypassCache', `bypassCache must be a boolean, got ${describeType(options.bypassCache)}`);
  }
}

/** Throws INVALID_ARGUMENT when `entries` is not an array or names one key twice (one rule for every adapter). */
export function assertUniqueEntryKeys(entries: unknown, where: Where, max: number): asserts entries is ReadonlyArray<{ readonly key: unknown }> {
  if (!Array.isArray(entries)) throw invalidArgument(where, 'entries', `entries must be an array, got ${describeType(entries)}`);
  if (entries.length > max) throw invalidArgument(where, 'entries', `entries holds ${String(entries.length)} entries; at most ${String(max)} per call`);
  const seen = new Set<unknown>();
  entries.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw invalidArgument(where, `entries[${String(i)}]`, `entries[${String(i)}] must be an object`);
    const key = (entry as { key?: unknown }).key;
    if (seen.has(key)) {
      throw invalidArgument(where, `entries[${String(i)}].key`, `entries[${String(i)}].key repeats an earlier key; write each key at most once per putMany`);
    }
    seen.add(key);
  });
}
