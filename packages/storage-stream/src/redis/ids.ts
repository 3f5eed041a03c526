import type { StartPosition } from '@sanctum/storage-core/spi';

const STREAM_ID = /^(\d{1,20})(?:-(\d{1,20}))?$/;
const MAX_SEQ = '18446744073709551615';

/** True for a Redis stream id (`<ms>-<seq>` or `<ms>`). */
export function isStreamId(id: string): boolean {
  return STREAM_ID.test(id);
}

/** The millisecond timestamp in an entry id. */
export function idTime(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/** What a new start position needs: the id `XGROUP CREATE` gets, or why it cannot be used. */
export type GroupStart = { readonly id: string } | { readonly invalid: string };

/**
 * The last-delivered id of a new group starting at `from`: `0` (earliest), `$` (latest), the id itself
 * (after an id) or the last possible id of the millisecond before `fromTime`.
 */
export function groupStartId(from: StartPosition | undefined): GroupStart {
  if (from === undefined || from === 'earliest') return { id: '0' };
  if (from === 'latest') return { id: '$' };
  if (typeof from === 'object' && 'afterId' in from) {
    return typeof from.afterId === 'string' && isStreamId(from.afterId) ? { id: from.afterId } : { invalid: 'afterId is not a Redis stream id' };
  }
  if (typeof from === 'object' && 'fromTime' in from) {
    const time = from.fromTime instanceof Date ? from.fromTime.getTime() : Number.NaN;
    if (!Number.isFinite(time)) return { invalid: 'fromTime must be a valid Date' };
    return { id: time <= 0 ? '0' : `${String(Math.floor(time) - 1)}-${MAX_SEQ}` };
  }
  return { invalid: 'from is not a start position' };
}
