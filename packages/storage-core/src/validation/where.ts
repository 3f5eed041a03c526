import { StorageError } from '../errors/index.js';

/** Where a check runs: attached to the error so callers see which operation and namespace refused. */
export interface Where {
  readonly operation: string;
  readonly namespace?: string | undefined;
  /** Set by adapters that re-check input, so the error names them. */
  readonly adapter?: string | undefined;
}

/** The INVALID_ARGUMENT every check throws: `details.field` names the offending field. */
export function invalidArgument(where: Where, field: string, message: string): StorageError {
  return new StorageError('INVALID_ARGUMENT', message, { ...where, details: { field } });
}

/** PAYLOAD_TOO_LARGE for `field`, with the measured and allowed sizes in `details`. */
export function payloadTooLarge(where: Where, field: string, bytes: number, maxBytes: number, what: string): StorageError {
  return new StorageError('PAYLOAD_TOO_LARGE', `${what} is ${String(bytes)} bytes; this namespace accepts at most ${String(maxBytes)}`, {
    ...where,
    details: { field, bytes, maxBytes },
  });
}

/** How a value looks in an error message: its type, never its content (it may be secret or huge). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `number ${String(value)}`;
  if (typeof value === 'bigint') return `the BigInt ${String(value)}n`;
  return typeof value;
}
