import { StorageError } from '../../errors/index.js';
import type { StandardSchemaV1 } from '../../types/index.js';

/**
 * One problem in adapter options or a config: where (`ssl.ca`, `(root)` for the whole value) and
 * what. The one shape of `details.issues` on every CONFIG_INVALID.
 */
export interface OptionsIssue {
  readonly path: string;
  readonly message: string;
}

/** The name of the whole value in an issue path. */
export const ROOT_PATH = '(root)';

/**
 * Standard Schema issues (zod, valibot, …) as {@link OptionsIssue}s: path segments joined with
 * `.`, below `prefix` when given (e.g. `adapters.pg.options`), `(root)` for the value itself.
 */
export function toOptionsIssues(issues: ReadonlyArray<StandardSchemaV1.Issue>, prefix?: string): OptionsIssue[] {
  return issues.map((issue) => {
    const sub = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
    const path = prefix === undefined ? sub || ROOT_PATH : sub ? `${prefix}.${sub}` : prefix;
    return { path, message: issue.message };
  });
}

/** The CONFIG_INVALID error listing every issue, one per line: `Invalid <subject> (n problem(s)):`. */
export function configInvalid(subject: string, issues: readonly OptionsIssue[], adapter?: string): StorageError {
  const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n');
  return new StorageError('CONFIG_INVALID', `Invalid ${subject} (${String(issues.length)} problem(s)):\n${lines}`, {
    adapter,
    details: { issues },
  });
}

/** What {@link parseOptions} reports errors as. */
export interface ParseOptionsContext {
  /** The adapter name, e.g. `postgres`. */
  readonly adapter: string;
  /** What is being validated, for the message; default `<adapter> adapter options`. */
  readonly subject?: string;
}

/**
 * Validates `input` with an adapter's options schema (any Standard Schema, synchronous) and
 * returns the output; CONFIG_INVALID listing every problem otherwise. Messages name paths and the
 * schema's rule, never the value (a URL or a password must not reach a log).
 */
export function parseOptions<Output>(schema: StandardSchemaV1<unknown, Output>, input: unknown, context: ParseOptionsContext): Output {
  const subject = context.subject ?? `${context.adapter} adapter options`;
  const result = schema['~standard'].validate(input);
  if (result instanceof Promise) {
    throw configInvalid(subject, [{ path: ROOT_PATH, message: 'the options schema is asynchronous; adapters must validate synchronously' }], context.adapter);
  }
  if (result.issues !== undefined) throw configInvalid(subject, toOptionsIssues(result.issues), context.adapter);
  return result.value;
}
