import type { ByteRange } from '../spi/index.js';
import { memoryError } from './errors.js';

/**
 * The inclusive byte range actually served: `end` absent or past the object is clamped to its last
 * byte; a start at or beyond the size (or a malformed range) is INVALID_ARGUMENT.
 */
export function resolveRange(range: ByteRange, size: number, namespace: string): { start: number; end: number } {
  const { start, end } = range;
  const invalid = (message: string) =>
    memoryError('INVALID_ARGUMENT', message, 'blobs.get', namespace, { details: { start, end, size } });
  if (!Number.isInteger(start) || start < 0) throw invalid('range start must be a non-negative integer');
  if (end !== undefined && (!Number.isInteger(end) || end < start)) throw invalid('range end must be an integer >= start');
  if (start >= size) throw invalid('range starts beyond the end of the object');
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}
