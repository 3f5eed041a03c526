import { createHmac, randomBytes } from 'node:crypto';
import { StorageError, isStorageError } from '../errors/index.js';
import type { JsonValue } from '../types/index.js';

/** What a sensitive value is, shown in its replacement (`[key:1f0c…]`). */
export type RedactedKind = 'key' | 'principal' | 'tenant' | 'value';

/** A value known to be sensitive in the call at hand, with its kind. */
export type Sensitive = readonly [RedactedKind, string | undefined];

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /** Off: everything passes unchanged (for local debugging; never in production). */
  readonly enabled: boolean;
  /** HMAC key. @default 32 random bytes per client (hashes then correlate within one process only) */
  readonly key?: string | Uint8Array;
  /** Texts that must never appear anywhere (passwords, tokens); replaced by `[secret]`. */
  readonly secrets?: readonly string[];
  /** Regular expressions (source text) whose matches in free text are replaced by keyed hashes. */
  readonly patterns?: readonly string[];
  /** JSON value fields (dotted paths) whose values are sensitive in handler error text. */
  readonly fields?: readonly string[];
}

/** Turns identifiers into keyed hashes and scrubs free text (error messages) of them. */
export interface Redactor {
  readonly enabled: boolean;
  /** The keyed hash of `value` as `[kind:16 hex]`, or `value` itself when redaction is off. */
  hash(kind: RedactedKind, value: string): string;
  /** `hash` that passes `undefined` through. */
  maybe(kind: RedactedKind, value: string | undefined): string | undefined;
  /** `text` with secrets, the given values and pattern matches replaced. */
  scrub(text: string, known?: readonly Sensitive[]): string;
  /**
   * An error safe to log, record and store: message scrubbed, no `cause` (it may hold the raw
   * text). A StorageError keeps its code and context; anything else stays a plain Error so the
   * observe layer still reports it as INTERNAL.
   */
  scrubError(error: unknown, known?: readonly Sensitive[]): unknown;
  /** The sensitive values of configured `fields` found in `value`. */
  fieldValues(value: JsonValue | undefined): Sensitive[];
}

/** Free-text replacement skips values this short: replacing `a` everywhere would mangle text. */
const MIN_FREE_TEXT = 4;

export function createRedactor(options: RedactorOptions): Redactor {
  const key = options.key ?? randomBytes(32);
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  if (typeof options.key === 'string' && options.key.length > 0) secrets.push(options.key);
  const patterns = (options.patterns ?? []).map((source) => new RegExp(source, 'g'));
  const fields = (options.fields ?? []).map((path) => path.split('.'));
  const enabled = options.enabled;

  const hash = (kind: RedactedKind, value: string): string => {
    if (!enabled) return value;
    return `[${kind}:${createHmac('sha256', key).update(value).digest('hex').slice(0, 16)}]`;
  };

  const scrub = (text: string, known: readonly Sensitive[] = []): string => {
    if (!enabled) return text;
    let out = text;
    for (const secret of secrets) out = out.replaceAll(secret, '[secret]');
    const values = known.filter((entry): entry is readonly [RedactedKind, string] => typeof entry[1] === 'string' && entry[1].length >= MIN_FREE_TEXT);
    values.sort((a, b) => b[1].length - a[1].length);
    for (const [kind, value] of values) if (out.includes(value)) out = out.replaceAll(value, hash(kind, value));
    for (const pattern of patterns) out = out.replace(pattern, (match) => (match.length === 0 ? match : hash('value', match)));
    return out;
  };

  return {
    enabled,
    hash,
    maybe: (kind, value) => (value === undefined ? undefined : hash(kind, value)),
    scrub,
    scrubError(error, known) {
      if (!enabled) return error;
      if (isStorageError(error)) {
        const message = scrub(error.message, known);
        if (message === error.message && error.cause === undefined) return error;
        return new StorageError(error.code, message, {
          retryable: error.retryable,
          ...(error.operation === undefined ? {} : { operation: error.operation }),
          ...(error.namespace === undefined ? {} : { namespace: error.namespace }),
          ...(error.adapter === undefined ? {} : { adapter: error.adapter }),
          ...(error.details === undefined ? {} : { details: scrubDetails(error.details, (t) => scrub(t, known)) }),
        });
      }
      const raw = error instanceof Error ? error.message : String(error);
      const scrubbed = new Error(scrub(raw, known));
      if (error instanceof Error) scrubbed.name = error.name;
      return scrubbed;
    },
    fieldValues(value) {
      if (fields.length === 0 || value === undefined) return [];
      const found: Sensitive[] = [];
      for (const path of fields) {
        let at: unknown = value;
        for (const part of path) at = typeof at === 'object' && at !== null && !Array.isArray(at) ? (at as Record<string, unknown>)[part] : undefined;
        if (typeof at === 'string') found.push(['value', at]);
        else if (typeof at === 'number') found.push(['value', String(at)]);
      }
      return found;
    },
  };
}

function scrubDetails(details: Readonly<Record<string, unknown>>, scrub: (text: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(details)) out[name] = typeof value === 'string' ? scrub(value) : value;
  return out;
}
