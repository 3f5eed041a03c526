import { StorageError } from '../errors/index.js';
import type { StandardSchemaV1 } from '../types/index.js';
import type { Where } from './where.js';

function pathOf(issue: StandardSchemaV1.Issue): string {
  const path = issue.path ?? [];
  return path.length === 0 ? '(root)' : path.map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
}

/**
 * Runs a value through a namespace's Standard Schema (zod, valibot, arktype, …) and returns the
 * schema's output (defaults and transforms applied). Issues become INVALID_ARGUMENT with
 * `details.issues` as `{ path, message }[]`; a schema that throws is INVALID_ARGUMENT with the cause.
 */
export async function conformToSchema(schema: StandardSchemaV1, value: unknown, where: Where, field = 'value'): Promise<unknown> {
  let result: StandardSchemaV1.Result<unknown>;
  try {
    result = await schema['~standard'].validate(value);
  } catch (cause) {
    throw new StorageError('INVALID_ARGUMENT', `${field} could not be checked: the namespace's schema threw`, { ...where, cause, details: { field } });
  }
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map((issue) => ({ path: pathOf(issue), message: issue.message }));
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${String(issues.length - 1)} more)` : '';
  throw new StorageError('INVALID_ARGUMENT', `${field} does not match the namespace's schema: ${first ? `${first.path}: ${first.message}` : 'invalid'}${more}`, {
    ...where,
    details: { field, issues },
  });
}
