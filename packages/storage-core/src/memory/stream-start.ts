import type { StartPosition, StreamCapabilities } from '../spi/index.js';
import { memoryError } from './errors.js';
import { parseId, type StreamLog } from './stream-log.js';

const OPERATION = 'streams.subscribe';

/**
 * The cursor (highest position already "handed out") of a new group starting at `from`.
 * Positions the store's capabilities do not declare are UNSUPPORTED.
 */
export function startCursor(
  from: StartPosition | undefined,
  log: StreamLog,
  capabilities: StreamCapabilities,
  namespace: string,
): number {
  const earliest = log.firstSeq - 1;
  if (from === undefined || from === 'earliest') return earliest;
  if (from === 'latest') return log.lastSeq;
  if (typeof from === 'object' && 'afterId' in from) {
    if (!capabilities.replayFromId) throw memoryError('UNSUPPORTED', 'this store cannot start a group after an id', OPERATION, namespace);
    const seq = typeof from.afterId === 'string' ? parseId(from.afterId) : undefined;
    if (seq === undefined) throw memoryError('INVALID_ARGUMENT', 'afterId is not an id of this store', OPERATION, namespace);
    return Math.max(seq, earliest);
  }
  if (typeof from === 'object' && 'fromTime' in from) {
    if (!capabilities.replayFromTime) throw memoryError('UNSUPPORTED', 'this store cannot start a group at a time', OPERATION, namespace);
    const time = from.fromTime instanceof Date ? from.fromTime.getTime() : Number.NaN;
    if (Number.isNaN(time)) throw memoryError('INVALID_ARGUMENT', 'fromTime must be a valid Date', OPERATION, namespace);
    const first = log.firstAtOrAfter(time);
    return first === undefined ? log.lastSeq : first.seq - 1;
  }
  throw memoryError('INVALID_ARGUMENT', 'from is not a start position', OPERATION, namespace);
}
