import type { WriteConditions, Where } from '@sanctum/storage-core';
import { ADAPTER, adapterError, type ErrorContext } from './errors.js';

// No ETag this store issues holds NUL or a lone surrogate, and PostgreSQL text could not even compare them.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|\p{Surrogate}/u;

/** Where a check runs, for core's validation module (which holds every input rule). */
export function whereOf(context: ErrorContext): Where {
  return { operation: context.operation, namespace: context.namespace, adapter: ADAPTER };
}

/** Which kind of conditional write a request asks for; called after core's checks (validateRecordPut / …). */
export function conditionOf(conditions: WriteConditions, context: ErrorContext): 'none' | 'match' | 'create' {
  if (conditions.ifNoneMatch !== undefined) return 'create';
  if (conditions.ifMatch === undefined) return 'none';
  if (UNSTORABLE.test(conditions.ifMatch)) throw preconditionFailed(context);
  return 'match';
}

/** The error of an `ifMatch` that does not match the current ETag (or of an absent key). */
export function preconditionFailed(context: ErrorContext): ReturnType<typeof adapterError> {
  return adapterError('PRECONDITION_FAILED', 'ifMatch does not match the current ETag', context);
}
