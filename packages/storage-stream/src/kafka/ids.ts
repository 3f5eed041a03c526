import type { StartPosition } from '@sanctum/storage-core/spi';

/** The id of the message at `offset` of `partition`: `<partition>:<offset>`. */
export function formatId(partition: number, offset: string): string {
  return `${String(partition)}:${offset}`;
}

const POSITION = /^(\d{1,9}):(\d{1,19})$/;

/**
 * Parses an `afterId`: one message id (`p:o`) or a position per partition (`p:o,p:o,…`). Returns the
 * first offset to read per named partition (`o + 1`), or `undefined` when malformed.
 */
export function parseAfterId(afterId: string): Map<number, string> | undefined {
  const positions = new Map<number, string>();
  for (const part of afterId.split(',')) {
    const match = POSITION.exec(part.trim());
    if (match === null) return undefined;
    const partition = Number(match[1]);
    const next = (BigInt(match[2] as string) + 1n).toString();
    const known = positions.get(partition);
    if (known === undefined || BigInt(next) > BigInt(known)) positions.set(partition, next);
  }
  return positions;
}

/** Where a new group starts, per kind. `afterId` names partition positions; the others start earliest. */
export type StartPlan =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'after'; readonly positions: ReadonlyMap<number, string> }
  | { readonly kind: 'time'; readonly time: number };

/** The plan for `from`, or why it cannot be used. */
export function startPlan(from: StartPosition | undefined): StartPlan | { readonly invalid: string } {
  if (from === undefined || from === 'earliest') return { kind: 'earliest' };
  if (from === 'latest') return { kind: 'latest' };
  if (typeof from === 'object' && 'afterId' in from) {
    const positions = typeof from.afterId === 'string' ? parseAfterId(from.afterId) : undefined;
    return positions === undefined ? { invalid: 'afterId is not a Kafka position (`partition:offset`, or several joined by commas)' } : { kind: 'after', positions };
  }
  if (typeof from === 'object' && 'fromTime' in from) {
    const time = from.fromTime instanceof Date ? from.fromTime.getTime() : Number.NaN;
    return Number.isFinite(time) ? { kind: 'time', time } : { invalid: 'fromTime must be a valid Date' };
  }
  return { invalid: 'from is not a start position' };
}

/** Offset metadata that carries a pending `fromTime` filter across restarts and rebalances. */
const TIME_FILTER = 'sanctum:from-time=';

export function timeFilterMetadata(time: number): string {
  return `${TIME_FILTER}${String(time)}`;
}

/** The `fromTime` filter a committed offset's metadata still asks for, if any. */
export function parseTimeFilter(metadata: string | null | undefined): number | undefined {
  if (typeof metadata !== 'string' || !metadata.startsWith(TIME_FILTER)) return undefined;
  const time = Number(metadata.slice(TIME_FILTER.length));
  return Number.isFinite(time) ? time : undefined;
}
