import { strict as assert } from 'node:assert';
import { isStorageError, type StorageError, type StorageErrorCode } from '@sanctum/storage-core';

function describeOutcome(error: unknown): string {
  if (isStorageError(error)) return `StorageError ${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a thrown ${typeof error}: ${String(error)}`;
}

/** Asserts `error` is a StorageError (from any copy of core) with `code`. */
export function assertStorageError(error: unknown, code: StorageErrorCode, what: string): asserts error is StorageError {
  if (!isStorageError(error, code)) assert.fail(`${what}: expected StorageError ${code}, got ${describeOutcome(error)}`);
}

/** Awaits `action` and asserts it fails with a StorageError of `code`; returns that error. */
export async function rejectsWith(
  action: Promise<unknown> | (() => Promise<unknown>),
  code: StorageErrorCode,
  what: string,
): Promise<StorageError> {
  let outcome: unknown;
  try {
    outcome = await (typeof action === 'function' ? action() : action);
  } catch (error) {
    assertStorageError(error, code, what);
    return error;
  }
  return assert.fail(`${what}: expected StorageError ${code}, but it succeeded with ${JSON.stringify(outcome) ?? String(outcome)}`);
}

/**
 * An optional method the store does not declare must be absent or answer UNSUPPORTED
 * (Dapr-conformance style: undeclared features are checked too).
 */
export async function assertAbsentOrUnsupported(
  method: ((...args: never[]) => Promise<unknown>) | undefined,
  call: () => Promise<unknown>,
  what: string,
): Promise<void> {
  if (method === undefined) return;
  await rejectsWith(call, 'UNSUPPORTED', what);
}
