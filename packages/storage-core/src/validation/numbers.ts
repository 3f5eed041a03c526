import { describeType, invalidArgument, type Where } from './where.js';

/** The longest delay a Node.js timer holds (2^31-1 ms, ~24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The longest record TTL: ten years. Expiry is stored as a timestamp, never as a timer. */
export const MAX_TTL_MS = 315_360_000_000;

/** The largest page a listing returns. Larger limits are refused, never clamped. */
export const MAX_PAGE_LIMIT = 1000;

/** Throws INVALID_ARGUMENT unless `value` is an integer from `min` to `max` (inclusive). */
export function assertIntegerIn(value: unknown, min: number, max: number, where: Where, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(where, field, `${field} must be an integer from ${String(min)} to ${String(max)}, got ${describeType(value)}`);
  }
}

/** The page size of a listing: 100 when absent; an integer from 1 to {@link MAX_PAGE_LIMIT} otherwise. */
export function pageLimitOf(limit: unknown, where: Where): number {
  if (limit === undefined) return 100;
  assertIntegerIn(limit, 1, MAX_PAGE_LIMIT, where, 'limit');
  return limit;
}

/** Throws INVALID_ARGUMENT unless `ttlMs` is absent or an integer from 1 to {@link MAX_TTL_MS}. */
export function assertTtl(ttlMs: unknown, where: Where, field = 'ttlMs'): void {
  if (ttlMs === undefined) return;
  assertIntegerIn(ttlMs, 1, MAX_TTL_MS, where, field);
}

/** Throws INVALID_ARGUMENT unless `ms` is absent or an integer from 1 to {@link MAX_TIMER_MS} (a timer can hold it). */
export function assertTimerMs(ms: unknown, where: Where, field: string): void {
  if (ms === undefined) return;
  assertIntegerIn(ms, 1, MAX_TIMER_MS, where, field);
}
